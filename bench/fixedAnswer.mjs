// The one answer the reference servers give to every request (bench/ceiling.mjs, bench/stackFloor.mjs): a JSON body
// shaped like an itemPhone GET response (about 600 bytes), with Graph's content type.
const userId = '9ef9da8d-219a-5393-a2b8-e5245ae4814e';
const by = { application: null, device: null, user: { displayName: 'Bench', id: userId } };

export const CEILING_BODY = JSON.stringify({
  '@odata.context': `http://127.0.0.1/beta/$metadata#users('${userId}')/profile/phones/$entity`,
  id: '205254a2-875a-48fc-b1f1-2886d3ffc428',
  allowedAudiences: 'organization',
  inference: null,
  createdDateTime: '2026-11-26T18:52:44.9820000Z',
  createdBy: by,
  lastModifiedDateTime: '2026-11-26T18:52:44.9820000Z',
  lastModifiedBy: by,
  isSearchable: null,
  source: null,
  displayName: 'Car Phone',
  type: null,
  number: '+7 499 342 22 13',
});

export const CEILING_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
