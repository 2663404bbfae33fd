/** The peer servers `bench/servers/peer-server.ts` can run. */
export const PEER_KINDS = ['yoga', 'yoga-jit', 'apollo', 'mercurius', 'mercurius-jit'] as const;
export type PeerKind = (typeof PEER_KINDS)[number];

export const isPeerKind = (value: string): value is PeerKind => (PEER_KINDS as readonly string[]).includes(value);
