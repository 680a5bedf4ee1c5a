import type { MailAddress, StoredMail } from './store.ts';

/** Mailpit's MessageSummary: what GET /api/v1/messages and /api/v1/search list. */
export function summaryJson(message: StoredMail) {
  return {
    ID: message.id,
    MessageID: message.messageId,
    Read: message.read,
    From: message.from,
    To: message.to,
    Cc: [],
    Bcc: [],
    ReplyTo: [],
    Subject: message.subject,
    Created: message.created.toISOString(),
    Username: '',
    Tags: [],
    Size: message.size,
    Attachments: 0,
    Snippet: snippet(message.text),
  };
}

/** Mailpit's Message: GET /api/v1/message/{ID}. */
export function messageJson(message: StoredMail) {
  return {
    ID: message.id,
    MessageID: message.messageId,
    From: message.from,
    To: message.to,
    Cc: [],
    Bcc: [],
    ReplyTo: [],
    ReturnPath: message.from.Address,
    Subject: message.subject,
    ListUnsubscribe: { Header: '', Links: [], Errors: '', HeaderPost: '' },
    Date: message.created.toISOString(),
    Tags: [],
    Username: '',
    Text: message.text,
    HTML: message.html,
    Size: message.size,
    Inline: [],
    Attachments: [],
  };
}

/** Mailpit's MessagesSummary envelope around one page of summaries. */
export function pageJson(all: readonly StoredMail[], matching: readonly StoredMail[], start: number, limit: number) {
  const page = matching.slice(start, start + limit);
  const unread = all.filter((message) => !message.read).length;
  return {
    total: all.length,
    unread,
    count: page.length,
    messages_count: matching.length,
    messages_unread: matching.filter((message) => !message.read).length,
    start,
    tags: [],
    messages: page.map(summaryJson),
  };
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 250 ? `${flat.slice(0, 250)}...` : flat;
}

const formatAddress = (address: MailAddress) =>
  address.Name ? `"${address.Name.replace(/["\\\r\n]/g, '')}" <${address.Address}>` : `<${address.Address}>`;

/** The message source as an SMTP server would have received it (multipart/alternative, UTF-8). */
export function rawSource(message: StoredMail): string {
  const boundary = `boundary-${message.id}`;
  const encode = (body: string) => Buffer.from(body, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    `Message-ID: <${message.messageId}>`,
    `Date: ${message.created.toUTCString()}`,
    `From: ${formatAddress(message.from)}`,
    `To: ${message.to.map(formatAddress).join(', ')}`,
    `Subject: =?UTF-8?B?${Buffer.from(message.subject, 'utf8').toString('base64')}?=`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    encode(message.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    encode(message.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
