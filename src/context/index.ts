export { dateTime, id } from './field-types.js';
export { ContextRegistry } from './context-registry.js';
export type { ArgumentInfo, RegisteredBundle, RegisteredContext } from './context-registry.js';
export { bundleArgsSchema, defineBundle, MAX_BUDGET_TOKENS } from './define-bundle.js';
export type { BundleDefinition, BundleDefinitionInput, BundlePart, ItemOf, PartFactory, PartOptions } from './define-bundle.js';
export { defineContext, from } from './define-context.js';
export type {
  ArgsSchema,
  CachePolicy,
  ContextDefinition,
  ContextDefinitionInput,
  ContextSource,
  SourceFactory,
  SourceOptions,
} from './define-context.js';
export { describeType, pascalCase } from './type-descriptor.js';
export type {
  EnumDescriptor,
  ListDescriptor,
  ObjectDescriptor,
  ScalarDescriptor,
  ScalarName,
  TypeDescriptor,
} from './type-descriptor.js';
