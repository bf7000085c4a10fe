export * from './defaults';
export * from './errors';
export * from './protocol';
export * from './samplers';
export * from './model-downloads';
