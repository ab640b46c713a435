// SPDX-License-Identifier: MIT
// The report as one self-contained HTML file: inline CSS, tables, every figure as inline SVG
// rendered in Node, and the pictures runs made as data URIs, so it opens offline in any browser.

import { renderSvg } from './charts.js';
import { escapeHtml, htmlTable } from './tables.js';
import { verdictWord, type Figure, type Picture, type Report, type Section } from './types.js';

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0.2em; } .subtitle { color: #555; margin-top: 0; }
nav ul { columns: 2; } section { border-top: 2px solid #ddd; margin-top: 2em; padding-top: 0.5em; }
.source { color: #555; font-style: italic; } .claim { background: #f6f6f0; padding: 0.5em 0.8em; border-left: 4px solid #bba; }
.verdict { padding: 0.5em 0.8em; border-radius: 4px; margin: 0.6em 0; }
.verdict.yes { background: #e3f4e3; } .verdict.no { background: #fbe4e4; } .verdict.na { background: #eee; } .verdict.maybe { background: #fdf3d8; }
.setting { color: #444; } .cols { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.table table { border-collapse: collapse; margin: 0.3em 0; } .table h4 { margin: 0.6em 0 0.2em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; } th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.na { color: #999; text-align: center; } .note { color: #666; font-size: 12px; margin: 0.2em 0; }
.paper h4::before { content: "paper: "; color: #886; } figure { margin: 0.5em 0; } figcaption { color: #555; font-size: 12px; max-width: 400px; }
figure h4 { margin: 0.2em 0; } .figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure.picture img { image-rendering: pixelated; border: 1px solid #ccc; }
`;

async function figureHtml(f: Figure): Promise<string> {
  const svg = await renderSvg(f.spec);
  const cap = f.caption ? `<figcaption>${escapeHtml(f.caption)}</figcaption>` : '';
  return `<figure class="plot"><h4>${escapeHtml(f.title)}</h4>${svg}${cap}</figure>`;
}

function pictureHtml(p: Picture): string {
  const cap = p.caption ? `<figcaption>${escapeHtml(p.caption)}</figcaption>` : '';
  return `<figure class="picture"><h4>${escapeHtml(p.title)}</h4><img src="${escapeHtml(p.src)}" alt="${escapeHtml(p.alt)}">${cap}</figure>`;
}

function verdictHtml(s: Section): string {
  const v = s.verdict;
  const cls =
    v.reproduced === null ? (v.inconclusive ? 'maybe' : 'na') : v.reproduced ? 'yes' : 'no';
  return `<div class="verdict ${cls}"><b>${verdictWord(v)}.</b> ${escapeHtml(v.text)}</div>`;
}

export async function sectionHtml(s: Section): Promise<string> {
  const figs = await Promise.all(s.figures.map(figureHtml));
  return `<section id="${escapeHtml(s.id)}" class="experiment">
<h2>${escapeHtml(s.title)}</h2>
<p class="source">${escapeHtml(s.source)}</p>
${s.claim ? `<p class="claim"><b>Paper:</b> ${escapeHtml(s.claim)}</p>` : ''}
${s.verdict.text ? verdictHtml(s) : ''}
<p class="setting"><b>Our setting:</b> ${escapeHtml(s.setting)}</p>
<div class="cols">${s.paper.map((t) => htmlTable(t, 'paper')).join('\n')}${s.tables.map((t) => htmlTable(t, 'ours')).join('\n')}</div>
<div class="figures">${[...figs, ...(s.pictures ?? []).map(pictureHtml)].join('\n')}</div>
</section>`;
}

export async function renderReport(r: Report): Promise<string> {
  const sections: string[] = [];
  for (const s of r.sections) sections.push(await sectionHtml(s));
  const nav = r.sections
    .map((s) => {
      const v = s.verdict;
      const mark =
        v.reproduced === null ? (v.inconclusive ? ' ?' : '') : v.reproduced ? ' ✓' : ' ✗';
      return `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>${mark}</li>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(r.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${CSS}</style></head>
<body><h1>${escapeHtml(r.title)}</h1><p class="subtitle">${escapeHtml(r.subtitle)}</p>
<nav><ul>${nav}</ul></nav>
${sections.join('\n')}
</body></html>
`;
}
