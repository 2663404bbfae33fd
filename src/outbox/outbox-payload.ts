/** A message as the outbox carries it to Zep: its Engram id travels in Zep's metadata. */
export interface OutboxMessage {
  readonly id: string;
  readonly role: string;
  readonly content: string;
  readonly name?: string;
  readonly createdAt: string;
}

/** A fact as the outbox carries it to Zep. */
export interface OutboxFact {
  readonly id: string;
  readonly name: string;
  readonly fact: string;
  readonly sourceNode: string;
  readonly targetNode: string;
  readonly createdAt: string;
}
