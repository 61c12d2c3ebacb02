/**
 * `{{name}}` templates for request paths, headers and bodies. Values are encoded for where they go: URL path
 * segments are percent-encoded, header values may not hold line breaks, body strings are escaped by
 * JSON.stringify. An unknown placeholder is an error that names the placeholder, never a value.
 */
export type TemplateVars = Record<string, string | undefined>;

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

export class TemplateError extends Error {
  readonly name = 'TemplateError';
}

export function render(
  template: string,
  vars: TemplateVars,
  encode: (value: string) => string = (v) => v,
): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (value === undefined)
      throw new TemplateError(`the template uses {{${name}}}, which has no value here`);
    return encode(value);
  });
}

export function renderPath(template: string, vars: TemplateVars): string {
  return render(template, vars, encodeURIComponent);
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
