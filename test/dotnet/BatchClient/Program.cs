// The .NET Graph SDK's own batch against the mock: args = base URL (no version), configuration id.
// Prints one JSON line of what the SDK read back, for test/e2e/dotnet-batch.test.ts to check.
using System.Text.Json;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions.Authentication;

var baseUrl = args[0];
var cfg = args[1];
var client = new GraphServiceClient(new HttpClient(), new BaseBearerTokenAuthenticationProvider(new StaticToken()), $"{baseUrl}/beta");
var assignments = client.DeviceManagement.DeviceEnrollmentConfigurations[cfg].Assignments;

var batch = new BatchRequestContentCollection(client);
var createId = await batch.AddBatchRequestStepAsync(assignments.ToPostRequestInformation(new EnrollmentConfigurationAssignment
{
    Target = new GroupAssignmentTarget { GroupId = "00000000-0000-0000-0000-000000000001" },
}));
var missingId = await batch.AddBatchRequestStepAsync(assignments["missing"].ToGetRequestInformation());
var response = await client.Batch.PostAsync(batch);
var codes = await response.GetResponsesStatusCodesAsync();
var created = await response.GetResponseByIdAsync<EnrollmentConfigurationAssignment>(createId);
var count = await assignments.Count.GetAsync();

Console.WriteLine(JsonSerializer.Serialize(new
{
    createStatus = (int)codes[createId],
    missingStatus = (int)codes[missingId],
    createdId = created.Id,
    groupId = (created.Target as GroupAssignmentTarget)?.GroupId,
    count,
}));

class StaticToken : IAccessTokenProvider
{
    public AllowedHostsValidator AllowedHostsValidator { get; } = new();
    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? context = null, CancellationToken ct = default) =>
        Task.FromResult("static-test-token");
}
