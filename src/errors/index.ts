export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { RegistryError, errorBody, type ErrorBody, type RegistryErrorOptions } from './registry-error.js';
