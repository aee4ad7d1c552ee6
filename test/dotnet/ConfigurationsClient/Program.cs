// The .NET Graph SDK (v1.0) against the mock's configurations: args = base URL (no version), a display
// name to create under. Prints one JSON line of what the SDK parsed, for
// test/e2e/dotnet-configurations.test.ts to check: the CLR type each answer became and its typed
// properties, so a field the SDK cannot place (AdditionalData) or a type it cannot tell shows there.
using System.Text.Json;
using Microsoft.Graph;
using Microsoft.Graph.DeviceManagement.DeviceEnrollmentConfigurations.Item.Assign;
using Microsoft.Graph.DeviceManagement.DeviceEnrollmentConfigurations.Item.SetPriority;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions.Authentication;

var baseUrl = args[0];
var name = args[1];
var client = new GraphServiceClient(new HttpClient(), new BaseBearerTokenAuthenticationProvider(new StaticToken()), $"{baseUrl}/v1.0");
var configurations = client.DeviceManagement.DeviceEnrollmentConfigurations;

var listed = await configurations.GetAsync();

var limit = await configurations.PostAsync(new DeviceEnrollmentLimitConfiguration { DisplayName = $"{name} limit", Limit = 3 });
var statusPage = await configurations.PostAsync(new Windows10EnrollmentCompletionPageConfiguration
{
    DisplayName = $"{name} ESP",
    AllowNonBlockingAppInstallation = true,
});

var readLimit = await configurations[limit!.Id].GetAsync();
var defaultHello = listed!.Value!.OfType<DeviceEnrollmentWindowsHelloForBusinessConfiguration>().First();
var readHello = await configurations[defaultHello.Id].GetAsync();

var filtered = await configurations.GetAsync(r => r.QueryParameters.Filter = $"displayName eq '{name} ESP'");

await configurations[statusPage!.Id].Assign.PostAsync(new AssignPostRequestBody
{
    EnrollmentConfigurationAssignments = [new EnrollmentConfigurationAssignment { Target = new GroupAssignmentTarget { GroupId = "00000000-0000-0000-0000-0000000000e5" } }],
});
var secondStatusPage = await configurations.PostAsync(new Windows10EnrollmentCompletionPageConfiguration { DisplayName = $"{name} ESP 2" });
await configurations[secondStatusPage!.Id].SetPriority.PostAsync(new SetPriorityPostRequestBody { Priority = 1 });
var expanded = await configurations[statusPage.Id].GetAsync(r => r.QueryParameters.Expand = ["assignments"]);
var afterPriority = await configurations[secondStatusPage.Id].GetAsync();

object missing;
try
{
    await configurations["00000000-0000-0000-0000-000000000000_Missing"].GetAsync();
    missing = new { threw = false };
}
catch (ODataError e)
{
    missing = new { threw = true, status = e.ResponseStatusCode, code = e.Error?.Code, message = e.Error?.Message };
}

Console.WriteLine(JsonSerializer.Serialize(new
{
    listed = listed.Value!.Select(Describe),
    limit = Describe(limit),
    statusPage = Describe(statusPage),
    readLimit = Describe(readLimit!),
    readHello = Describe(readHello!),
    filtered = filtered!.Value!.Select(Describe),
    expanded = Describe(expanded!),
    afterPriority = Describe(afterPriority!),
    missing,
}));

static object Describe(DeviceEnrollmentConfiguration c) => new
{
    clrType = c.GetType().Name,
    c.OdataType,
    c.Id,
    c.DisplayName,
    c.Description,
    c.Priority,
    c.Version,
    createdDateTime = c.CreatedDateTime?.ToString("o"),
    lastModifiedDateTime = c.LastModifiedDateTime?.ToString("o"),
    // What the SDK could not place on the model: anything but the mock's @odata.etag is un-Graph-like.
    additionalData = c.AdditionalData.Keys.OrderBy(k => k, StringComparer.Ordinal),
    assignments = c.Assignments?.Select(a => new { a.Id, targetType = a.Target?.GetType().Name, groupId = (a.Target as GroupAssignmentTarget)?.GroupId }),
    own = c switch
    {
        DeviceEnrollmentLimitConfiguration l => (object)new { l.Limit },
        DeviceEnrollmentPlatformRestrictionsConfiguration p => (object)new
        {
            windowsPlatformBlocked = p.WindowsRestriction?.PlatformBlocked,
            windowsMobilePlatformBlocked = p.WindowsMobileRestriction?.PlatformBlocked,
            iosPersonalDeviceEnrollmentBlocked = p.IosRestriction?.PersonalDeviceEnrollmentBlocked,
            androidOsMinimumVersion = p.AndroidRestriction?.OsMinimumVersion,
            macOSPlatformBlocked = p.MacOSRestriction?.PlatformBlocked,
        },
        DeviceEnrollmentWindowsHelloForBusinessConfiguration h => (object)new
        {
            h.PinMinimumLength,
            h.PinMaximumLength,
            pinUppercaseCharactersUsage = h.PinUppercaseCharactersUsage?.ToString(),
            state = h.State?.ToString(),
            h.UnlockWithBiometricsEnabled,
            h.RemotePassportEnabled,
        },
        // v1.0's Enrollment Status Page has one property of its own.
        Windows10EnrollmentCompletionPageConfiguration e => (object)new { e.AllowNonBlockingAppInstallation },
        _ => (object)new { },
    },
};

class StaticToken : IAccessTokenProvider
{
    public AllowedHostsValidator AllowedHostsValidator { get; } = new();
    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? context = null, CancellationToken ct = default) =>
        Task.FromResult("static-test-token");
}
