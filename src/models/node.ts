/** The model zoo with file access (Node-only): BERT's fromPretrained / savePretrained read and write directories and the Hub cache. */
export * from './index.js';
// An explicit export wins over index.js's star-exported `bert`.
export * as bert from './bert/node.js';
