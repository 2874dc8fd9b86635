import { compile } from 'html-to-text';
import type { FilingDocument } from './types.js';

// Compiled once: html-to-text's option handling costs more than converting a small exhibit.
const htmlToText = compile({
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'table', format: 'dataTable' },
  ],
});

/**
 * A document's body as plain text: HTML converted, plain text as is, nothing for a body that
 * was not kept. Call it only for the documents you read; converting a 10-K takes a while.
 */
export function documentPlainText(doc: Pick<FilingDocument, 'text' | 'isHtml'>): string | undefined {
  if (doc.text === undefined) return undefined;
  return doc.isHtml ? htmlToText(doc.text) : doc.text;
}

/** HTML fragment -> text, entities decoded (for table cells and the like). */
export function htmlFragmentText(html: string): string {
  return htmlToText(html);
}
