// The request builders of the Kiota beta SDK's per-area package for /users/{id}/profile/phones (and /me), as the
// runtime table kiota-abstractions' apiClientProxifier turns into `client.users.byUserId(id).profile.phones...`.
//
// With @microsoft/msgraph-beta-sdk-users installed, its generated users/item/profile/phones builders provide this,
// and you would not write it. That package is not on every registry (it was not on the one this project is tested
// against), so this file mirrors what it generates: the same URI templates, query parameter names and factories.
import { apiClientProxifier, type RequestAdapter, type RequestConfiguration, type RequestInformation } from '@microsoft/kiota-abstractions';
import {
  createItemPhoneCollectionResponseFromDiscriminatorValue,
  createItemPhoneFromDiscriminatorValue,
  serializeItemPhone,
  type ItemPhone,
  type ItemPhoneCollectionResponse,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import { createODataErrorFromDiscriminatorValue } from '@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js';

/** Every error status becomes the SDK's ODataError, as the generated builders map it. */
export const errorMappings = { XXX: createODataErrorFromDiscriminatorValue } as const;

const queryParametersMapper = {
  count: '%24count',
  expand: '%24expand',
  filter: '%24filter',
  orderby: '%24orderby',
  search: '%24search',
  select: '%24select',
  skip: '%24skip',
  top: '%24top',
};
const COLLECTION = '{+baseurl}/users/{user%2Did}/profile/phones{?%24count,%24expand,%24filter,%24orderby,%24search,%24select,%24skip,%24top}';
const ITEM = '{+baseurl}/users/{user%2Did}/profile/phones/{itemPhone%2Did}{?%24expand,%24select}';
const COUNT = '{+baseurl}/users/{user%2Did}/profile/phones/$count{?%24filter,%24search}';
const json = { responseBodyContentType: 'application/json', errorMappings } as const;
const body = {
  requestBodyContentType: 'application/json',
  requestBodySerializer: serializeItemPhone,
  requestInformationContentSetMethod: 'setContentFromParsable',
} as const;

const phones = {
  requestsMetadata: {
    get: { uriTemplate: COLLECTION, ...json, adapterMethodName: 'send', responseBodyFactory: createItemPhoneCollectionResponseFromDiscriminatorValue, queryParametersMapper },
    post: { uriTemplate: COLLECTION, ...json, adapterMethodName: 'send', responseBodyFactory: createItemPhoneFromDiscriminatorValue, ...body },
  },
  navigationMetadata: {
    count: {
      requestsMetadata: {
        get: { uriTemplate: COUNT, responseBodyContentType: 'text/plain;q=0.9', errorMappings, adapterMethodName: 'sendPrimitive', responseBodyFactory: 'number', queryParametersMapper },
      },
    },
    byItemPhoneId: {
      pathParametersMappings: ['itemPhone%2Did'],
      requestsMetadata: {
        get: { uriTemplate: ITEM, ...json, adapterMethodName: 'send', responseBodyFactory: createItemPhoneFromDiscriminatorValue, queryParametersMapper },
        patch: { uriTemplate: ITEM, ...json, adapterMethodName: 'send', responseBodyFactory: createItemPhoneFromDiscriminatorValue, ...body },
        delete: { uriTemplate: ITEM, ...json, adapterMethodName: 'sendNoResponseContent' },
      },
    },
  },
};

/**
 * `users.byUserId(id | userPrincipalName).profile.phones` and `me.profile.phones`. Kiota TypeScript generates no
 * /me: the client's user id is "TokenToReplace", which msgraph-sdk-core's UrlReplaceHandler turns into /me.
 */
export const navigation = {
  users: { navigationMetadata: { byUserId: { pathParametersMappings: ['user%2Did'], navigationMetadata: { profile: { navigationMetadata: { phones } } } } } },
  me: { navigationMetadata: { profile: { navigationMetadata: { phones } } } },
};

/** The query parameters of the phones collection, as the generated PhonesRequestBuilderGetQueryParameters. */
export interface PhonesQuery {
  count?: boolean;
  expand?: string[];
  filter?: string;
  orderby?: string[];
  search?: string;
  select?: string[];
  skip?: number;
  top?: number;
}

/** The generated builders' shapes: PhonesRequestBuilder, ItemPhoneItemRequestBuilder and CountRequestBuilder. */
export interface PhonesRequestBuilder {
  get(requestConfiguration?: RequestConfiguration<PhonesQuery>): Promise<ItemPhoneCollectionResponse | undefined>;
  post(body: ItemPhone, requestConfiguration?: RequestConfiguration<object>): Promise<ItemPhone | undefined>;
  byItemPhoneId(itemPhoneId: string): {
    get(requestConfiguration?: RequestConfiguration<Pick<PhonesQuery, 'expand' | 'select'>>): Promise<ItemPhone | undefined>;
    patch(body: ItemPhone, requestConfiguration?: RequestConfiguration<object>): Promise<ItemPhone | undefined>;
    delete(requestConfiguration?: RequestConfiguration<object>): Promise<void>;
    toGetRequestInformation(requestConfiguration?: RequestConfiguration<Pick<PhonesQuery, 'expand' | 'select'>>): RequestInformation;
  };
  count: { get(requestConfiguration?: RequestConfiguration<Pick<PhonesQuery, 'filter' | 'search'>>): Promise<number | undefined> };
  /** The request get() would send, e.g. for a batch (msgraph-sdk-core's BatchRequestContent). */
  toGetRequestInformation(requestConfiguration?: RequestConfiguration<PhonesQuery>): RequestInformation;
}

export interface ProfilePhonesClient {
  me: { profile: { phones: PhonesRequestBuilder } };
  users: { byUserId(userIdOrPrincipalName: string): { profile: { phones: PhonesRequestBuilder } } };
}

/** What createGraphBetaServiceClient(adapter) gives once the users package has extended it, for these paths. */
export function profilePhonesClient(adapter: RequestAdapter): ProfilePhonesClient {
  return apiClientProxifier<ProfilePhonesClient>(adapter, { baseurl: adapter.baseUrl, 'user%2Did': 'TokenToReplace' }, navigation as never, {});
}
