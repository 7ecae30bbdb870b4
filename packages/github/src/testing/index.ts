export * from './markdown-structure.js';
