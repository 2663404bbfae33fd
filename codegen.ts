/**
 * GraphQL Code Generator: typed documents for the demo operations in `operations/*.graphql`
 * and the persisted-documents manifest (`src/generated/persisted-documents.json`, sha256 → text)
 * that the server serves by `documentId` and publishes to agents.
 * `npm run codegen` writes them; `npm run codegen:check` fails when they are stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
      },
    },
  },
};

export default config;
