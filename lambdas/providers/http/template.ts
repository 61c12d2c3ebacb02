/**
 * `{{name}}` templates for request paths, headers and bodies. Values are encoded for where they go: URL path
 * segments are percent-encoded, header values may not hold line breaks, body strings are escaped by
 * JSON.stringify. An unknown placeholder is an error that names the placeholder, never a value.
 */
import { DEFAULT_KEY_ID_PATTERN, HTTP_PLACEHOLDER } from '../../core/constants';

export type TemplateVars = Record<string, string | undefined>;

export class TemplateError extends Error {
  readonly name = 'TemplateError';
}

export function render(
  template: string,
  vars: TemplateVars,
  encode: (value: string, name: string) => string = (v) => v,
): string {
  return template.replace(HTTP_PLACEHOLDER, (_match, raw: string) => {
    const name = raw.trim();
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (value === undefined)
      throw new TemplateError(`the template uses {{${name}}}, which has no value here`);
    return encode(value, name);
  });
}

/**
 * A path placeholder fills exactly one segment: `.`, `..` (which URL parsers resolve, so `/keys/{{keyId}}` with `..`
 * would become `/`) and any `/` or `\` are refused, and `{{keyId}}` must match the profile's key-id pattern.
 */
export function renderPath(
  template: string,
  vars: TemplateVars,
  keyIdPattern: string = DEFAULT_KEY_ID_PATTERN,
): string {
  const keyId = new RegExp(keyIdPattern);
  return render(template, vars, (value, name) => {
    if (/^\.+$/.test(value) || /[/\\]/.test(value))
      throw new TemplateError(`{{${name}}} is a dot segment or holds a slash: refused in a path`);
    if (name === 'keyId' && !keyId.test(value))
      throw new TemplateError(`{{keyId}} does not match the profile's keyIdPattern ${keyIdPattern}: refused`);
    try {
      return encodeURIComponent(value);
    } catch {
      // A lone surrogate (an admin credential's JSON may hold one) cannot be percent-encoded: URIError.
      throw new TemplateError(`{{${name}}} is not well-formed Unicode: refused in a path`);
    }
  });
}

export function renderHeader(template: string, vars: TemplateVars): string {
  return render(template, vars, (value) => {
    if (/[\r\n\0]/.test(value)) throw new TemplateError('a header value may not contain line breaks');
    return value;
  });
}

/** Render every string inside a JSON value (keys stay as written). */
export function renderJson(value: unknown, vars: TemplateVars): unknown {
  if (typeof value === 'string') return render(value, vars);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, vars));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderJson(v, vars);
    return out;
  }
  return value;
}
