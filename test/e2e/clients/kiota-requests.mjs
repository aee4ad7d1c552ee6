// What both Kiota flows build their requests with, as the code Kiota generates for Microsoft's Graph
// SDKs does: a RequestInformation from a URI template, Graph's error mapping, and the body as sent.
import { RequestInformation } from '@microsoft/kiota-abstractions';
import { createODataErrorFromDiscriminatorValue } from '@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js';

export const errorMappings = { XXX: createODataErrorFromDiscriminatorValue };

export function request(method, template, pathParameters = {}, query = {}) {
  const info = new RequestInformation(method, template, pathParameters);
  info.headers.tryAdd('Accept', 'application/json');
  Object.assign(info.queryParameters, query);
  return info;
}

/** The body a request carries, as text. */
export const bodyText = (info) => new TextDecoder().decode(info.content);
