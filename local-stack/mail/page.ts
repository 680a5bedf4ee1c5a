import { escapeHtml } from './html.ts';
import type { StoredMail } from './store.ts';

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#0f172a;background:#f8fafc}
header{background:#312e81;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:960px;margin:24px auto;padding:0 24px}
table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:8px 12px;border-bottom:1px solid #e2e8f0}
tr.unread td{font-weight:600}a{color:#3730a3}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;padding:12px 16px}
dt{color:#475569}iframe{width:100%;height:420px;border:1px solid #cbd5e1;background:#fff}pre{white-space:pre-wrap;background:#fff;padding:12px 16px;border:1px solid #e2e8f0}
.muted{color:#64748b}button{font:inherit}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><a href="/">Local inbox</a> <span class="muted">· mail sent by the local Supabase Auth, never delivered</span></header>
<main>${body}</main></body></html>`;
}

export function inboxPage(messages: readonly StoredMail[]): string {
  const rows = messages
    .map(
      (message) => `<tr class="${message.read ? '' : 'unread'}">
<td><a href="/message/${encodeURIComponent(message.id)}">${escapeHtml(message.subject || '(no subject)')}</a></td>
<td>${escapeHtml(message.to.map((to) => to.Address).join(', '))}</td>
<td><time datetime="${message.created.toISOString()}">${escapeHtml(message.created.toLocaleString('en-GB'))}</time></td></tr>`,
    )
    .join('\n');
  const list =
    messages.length === 0
      ? '<p>No mail yet. Sign up, ask for a magic link or reset a password, and it appears here.</p>'
      : `<table><thead><tr><th scope="col">Subject</th><th scope="col">To</th><th scope="col">Received</th></tr></thead><tbody>${rows}</tbody></table>`;
  return layout(
    'Local inbox',
    `<h1>Inbox <span class="muted">(${messages.length})</span></h1>
<form method="post" action="/delete-all"><button type="submit">Delete all</button></form>
${list}
<p class="muted">JSON API (Mailpit-compatible): <a href="/api/v1/messages">/api/v1/messages</a>, /api/v1/message/{ID}, /api/v1/search?query=to:address</p>`,
  );
}

export function messagePage(message: StoredMail): string {
  const links = [...message.html.matchAll(/href="([^"]+)"/g)].map((match) => match[1].replace(/&amp;/g, '&'));
  return layout(
    message.subject,
    `<h1>${escapeHtml(message.subject)}</h1>
<dl><dt>From</dt><dd>${escapeHtml(`${message.from.Name} <${message.from.Address}>`)}</dd>
<dt>To</dt><dd>${escapeHtml(message.to.map((to) => to.Address).join(', '))}</dd>
<dt>Date</dt><dd>${escapeHtml(message.created.toUTCString())}</dd></dl>
<h2>HTML</h2>
<iframe title="Message body" sandbox="allow-popups allow-top-navigation-by-user-activation" src="/view/${encodeURIComponent(message.id)}.html"></iframe>
${links.length > 0 ? `<h2>Links</h2><ul>${links.map((link) => `<li><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></li>`).join('')}</ul>` : ''}
<h2>Text</h2><pre>${escapeHtml(message.text)}</pre>
<p><a href="/api/v1/message/${encodeURIComponent(message.id)}">JSON</a> · <a href="/api/v1/message/${encodeURIComponent(message.id)}/raw">Raw source</a></p>`,
  );
}
