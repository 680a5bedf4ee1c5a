import { randomBytes, randomUUID } from 'node:crypto';

export interface MailAddress {
  Name: string;
  Address: string;
}

/** A message as Auth hands it over: what an SMTP client would send. */
export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress[];
  subject: string;
  html: string;
  text: string;
}

export interface StoredMail extends OutgoingMail {
  /** Mailpit's short message id (what its API and UI address messages by). */
  id: string;
  /** The RFC 5322 Message-ID header. */
  messageId: string;
  created: Date;
  read: boolean;
  size: number;
}

/** Enough for any test run or afternoon of clicking; older mail is dropped first, like a ring buffer. */
const DEFAULT_CAPACITY = 1000;

/**
 * The local mail catcher's mailbox, in memory like a freshly started Mailpit: newest first, bounded so a
 * flood of sign-ups cannot grow the process without limit.
 */
export class MailStore {
  private messages: StoredMail[] = [];

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  deliver(mail: OutgoingMail): StoredMail {
    const stored: StoredMail = {
      ...mail,
      id: randomBytes(16).toString('base64url').slice(0, 22),
      messageId: `${randomUUID()}@local-stack`,
      created: new Date(),
      read: false,
      size: Buffer.byteLength(mail.html) + Buffer.byteLength(mail.text) + Buffer.byteLength(mail.subject),
    };
    this.messages.unshift(stored);
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
    return stored;
  }

  /** Newest first. */
  list(): readonly StoredMail[] {
    return this.messages;
  }

  get(id: string): StoredMail | undefined {
    return id === 'latest' ? this.messages[0] : this.messages.find((message) => message.id === id);
  }

  /** Deletes the given ids, or everything when none are given; returns how many went. */
  delete(ids?: readonly string[]): number {
    const before = this.messages.length;
    if (!ids || ids.length === 0) this.messages = [];
    else {
      const doomed = new Set(ids);
      this.messages = this.messages.filter((message) => !doomed.has(message.id));
    }
    return before - this.messages.length;
  }

  setRead(ids: readonly string[] | undefined, read: boolean): void {
    const wanted = ids && ids.length > 0 ? new Set(ids) : undefined;
    for (const message of this.messages) if (!wanted || wanted.has(message.id)) message.read = read;
  }
}

/**
 * Mailpit's search syntax, the parts tests use: `to:`, `from:`, `subject:`, `is:read`/`is:unread`, quoted
 * phrases, `-` to negate, and free words matched against the addresses, subject and body.
 */
export function searchMail(messages: readonly StoredMail[], query: string): StoredMail[] {
  const terms = [...query.matchAll(/(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))/g)].map((match) => ({
    negate: match[1] === '-',
    field: match[2]?.toLowerCase(),
    value: (match[3] ?? match[4] ?? '').toLowerCase(),
  }));
  const addresses = (list: MailAddress[]) => list.map((a) => `${a.Name} <${a.Address}>`.toLowerCase()).join(' ');
  return messages.filter((message) =>
    terms.every(({ negate, field, value }) => {
      let hit: boolean;
      switch (field) {
        case 'to':
          hit = addresses(message.to).includes(value);
          break;
        case 'from':
          hit = addresses([message.from]).includes(value);
          break;
        case 'subject':
          hit = message.subject.toLowerCase().includes(value);
          break;
        case 'is':
          hit = value === 'read' ? message.read : value === 'unread' ? !message.read : false;
          break;
        default: {
          const haystack = `${addresses(message.to)} ${addresses([message.from])} ${message.subject} ${message.text}`.toLowerCase();
          hit = haystack.includes(field ? `${field}:${value}` : value);
        }
      }
      return negate ? !hit : hit;
    }),
  );
}
