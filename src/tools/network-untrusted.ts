/**
 * Fetched and searched text reaches the model marked as untrusted (CONTRACT §11, §19): a page may
 * hold a prompt injection, and the wrapping tells the model where the page's text begins and ends.
 * A page cannot close the wrapping early: any `</untrusted_content` inside it (any case, with
 * spaces after `<` or `/`) is escaped, and the source attribute cannot be broken out of.
 */

/** `</untrusted_content`, also as `< /UNTRUSTED_CONTENT`: what a model might read as the closing tag. */
const CLOSING = /<(\s*\/\s*untrusted_content)/gi;

/** The text with every closing tag of the wrapping escaped (`&lt;/untrusted_content`). */
export function escapeUntrusted(text: string): string {
  return text.replace(CLOSING, '&lt;$1');
}

/**
 * The source as an attribute value. A URL's href never holds `"`, `<` or `>` (the URL parser
 * percent-encodes them); `&` is left as it is, so the URL reads (and is found) as the page's own.
 */
const attribute = (value: string): string => value.replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[\r\n]/g, ' ');

/** `<untrusted_content source="…">\n…\n</untrusted_content>`. */
export function wrapUntrusted(source: string, text: string): string {
  return `<untrusted_content source="${attribute(source)}">\n${escapeUntrusted(text)}\n</untrusted_content>`;
}
