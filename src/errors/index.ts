export {
  API_ERROR_CODES,
  CONDITIONS,
  ERROR_CODES,
  ERROR_TABLE,
  MANAGEMENT_KIND_CODES,
  ON_ADMIN_API,
  isCondition,
  type AnyErrorCode,
  type ApiErrorCode,
  type CodeEntry,
  type CodeInfo,
  type CodeOf,
  type Condition,
  type ConditionAnswer,
  type ConditionEntry,
  type ErrorCode,
  type Surface,
} from './error-table.js';
export { ApiError } from './api-error.js';
export { RegistryError, errorBody, type ErrorBody, type ErrorEntry, type RegistryErrorOptions } from './registry-error.js';
