export * from './errors.js';
export * from './primitives/reader.js';
export * from './primitives/writer.js';
export * from './records/batch-header.js';
