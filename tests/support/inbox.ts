/**
 * Reading the local inbox through its Mailpit-compatible API, as an end-to-end test reads Mailpit on
 * `supabase start`: wait for the mail to an address, then take its link or code.
 */
export interface InboxMessage {
  ID: string;
  Subject: string;
  To: { Address: string }[];
  Text: string;
  HTML: string;
}

interface Summary {
  ID: string;
  Subject: string;
  To: { Address: string }[];
}

/** Polls until `count` messages to `address` (optionally with a subject) exist; returns the newest. */
export async function waitForMail(
  mailUrl: string,
  address: string,
  options: { subject?: string; count?: number; timeoutMs?: number } = {},
): Promise<InboxMessage> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const query = `to:"${address.toLowerCase()}"${options.subject ? ` subject:"${options.subject}"` : ''}`;
  for (;;) {
    const response = await fetch(`${mailUrl}/api/v1/search?query=${encodeURIComponent(query)}`);
    if (!response.ok) throw new Error(`inbox search failed: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { messages: Summary[] };
    if (page.messages.length >= (options.count ?? 1)) {
      const message = await fetch(`${mailUrl}/api/v1/message/${page.messages[0].ID}`);
      return (await message.json()) as InboxMessage;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${address}${options.subject ? ` about "${options.subject}"` : ''} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The first link of a mail (GoTrue's templates have exactly one). */
export function linkIn(message: InboxMessage): string {
  const match = /href="([^"]+)"/.exec(message.HTML);
  if (!match) throw new Error(`no link in mail "${message.Subject}"`);
  return match[1].replace(/&amp;/g, '&');
}

/** The code a mail offers instead of the link ("enter the code: 123456"). */
export function codeIn(message: InboxMessage): string {
  const match = /code: (\d+)/.exec(message.Text);
  if (!match) throw new Error(`no code in mail "${message.Subject}"`);
  return match[1];
}
