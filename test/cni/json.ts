/** JSON values as CNI exchanges them: typed, so nothing below needs `any`. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(text: string, what: string): Json {
  try {
    // JSON.parse can only produce Json values.
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}\n${text}`);
  }
}

export function parseJsonObject(text: string, what: string): JsonObject {
  const value = parseJson(text, what);
  if (!isJsonObject(value)) throw new Error(`${what} must be a JSON object, got: ${text}`);
  return value;
}

/** Deep copy, so a plan never aliases the NAD it was made from. */
export function cloneJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
