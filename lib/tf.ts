/** Re-export of tfjs and the backend choice: every lib/ file imports tf from here. */
export { tf, initBackend, backendInfo, describeBackend, parseBackendRequest, releaseWebGpu } from './backend/select';
export type { BackendInfo, BackendName, BackendRequest } from './backend/select';
