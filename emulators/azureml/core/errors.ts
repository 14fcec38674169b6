/**
 * Every error the emulator answers comes from here, in ARM's shape:
 * `{error: {code, message, target, details: [], additionalInfo: []}}` (the SDK turns it into a RestError
 * with statusCode and code). Handlers throw ArmError; the server renders it.
 */
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
  additionalInfo?: { type: string; info: unknown }[];
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { target?: string; details?: ArmErrorDetail[]; additionalInfo?: { type: string; info: unknown }[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  /** The body; `target` only when there is one (the spec types it as a non-nullable string). */
  toBody(): { error: Required<Pick<ArmErrorDetail, 'code' | 'message' | 'details' | 'additionalInfo'>> & { target?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.extra.target !== undefined ? { target: this.extra.target } : {}),
        details: this.extra.details ?? [],
        additionalInfo: this.extra.additionalInfo ?? [],
      },
    };
  }
}

/** The factory: one function per kind of failure, so codes and statuses stay consistent. */
export const armErrors = {
  badRequest: (code: string, message: string, target?: string) => new ArmError(400, code, message, { target }),
  validation: (message: string, target?: string) => new ArmError(400, 'UserError', message, { target, details: [{ code: 'Invalid', message, target }] }),
  notFound: (kind: string, name: string) => new ArmError(404, 'ResourceNotFound', `The ${kind} '${name}' was not found.`, { target: name }),
  conflict: (message: string, target?: string) => new ArmError(409, 'Conflict', message, { target }),
  missingApiVersion: () => new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.'),
  unsupportedApiVersion: (v: string, supported: readonly string[]) =>
    new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for API version '${v}'. The supported api-versions are '${supported.join(', ')}'.`,
    ),
  unauthenticated: () =>
    new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
      headers: { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' },
    }),
  invalidToken: () =>
    new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }),
  forbidden: (action: string) => new ArmError(403, 'AuthorizationFailed', `The client does not have authorization to perform action '${action}'.`),
  throttled: (retryAfterSeconds: number) =>
    new ArmError(429, 'TooManyRequests', 'The request is being throttled.', { headers: { 'retry-after': String(retryAfterSeconds) } }),
  server: (status: number, message = 'An internal server error occurred.') =>
    new ArmError(status, status === 503 ? 'ServiceUnavailable' : 'InternalServerError', message),
  routeNotFound: (method: string, path: string) => new ArmError(404, 'NoRouteFound', `No route matches ${method} ${path}.`),
  methodNotAllowed: (method: string, path: string) => new ArmError(405, 'MethodNotAllowed', `${method} is not supported on ${path}.`),
};

export function toArmError(err: unknown): ArmError {
  if (err instanceof ArmError) return err;
  return armErrors.server(500, `An internal server error occurred: ${(err as Error)?.message ?? String(err)}`);
}
