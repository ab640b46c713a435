// SPDX-License-Identifier: MIT
// Tables as CSV (RFC 4180 quoting) and as HTML.

import type { Cell, Table } from './types.js';

function csvCell(c: Cell): string {
  if (c === null) return '';
  const s = String(c);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(t: Table): string {
  return [t.columns, ...t.rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function htmlCell(c: Cell): string {
  if (c === null) return '<td class="na">-</td>';
  return typeof c === 'number' ? `<td class="num">${c}</td>` : `<td>${escapeHtml(c)}</td>`;
}

export function htmlTable(t: Table, cls = ''): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map(htmlCell).join('')}</tr>`).join('\n');
  const note = t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : '';
  return `<div class="table ${cls}"><h4>${escapeHtml(t.title)}</h4><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${note}</div>`;
}
