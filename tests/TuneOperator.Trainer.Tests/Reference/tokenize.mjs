// Tokenizes texts with the reference JS implementation (@lenml/tokenizers, a fork of transformers.js) from an exported
// model directory's tokenizer.json and tokenizer_config.json, and prints the ids as JSON.
// Usage: node tokenize.mjs REPO_ROOT MODEL_DIR TEXTS_JSON   (TEXTS_JSON: a file holding a JSON array of strings)
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [root, dir, textsPath] = process.argv.slice(2);
const { TokenizerLoader } = await import(join(root, "tools/node_modules/@lenml/tokenizers/dist/main.mjs"));
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: readJson(join(dir, "tokenizer.json")),
  tokenizerConfig: readJson(join(dir, "tokenizer_config.json")),
});
const texts = readJson(textsPath);
console.log(JSON.stringify(texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }))));
