export * from './errors.js';
export * from './primitives/reader.js';
export * from './primitives/writer.js';
export * from './primitives/codec-runtime.js';
export * from './records/batch-header.js';
export * from './generated/index.js';
export * from './messages.js';
export * from './framing.js';
