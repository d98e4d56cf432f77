// Prints the reference tokenizations and chat renderings (@lenml/tokenizers, a fork of transformers.js) as JSON.
// Regenerate the expected values of the tokenizer tests with:
//   node tests/TuneOperator.Data.Tests/Tokenization/reference.mjs > tests/TuneOperator.Data.Tests/Tokenization/reference-expected.json
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const { TokenizerLoader } = await import(join(root, "tools/node_modules/@lenml/tokenizers/dist/main.mjs"));

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const load = (dir) =>
  TokenizerLoader.fromPreTrained({
    tokenizerJSON: readJson(join(dir, "tokenizer.json")),
    tokenizerConfig: readJson(join(dir, "tokenizer_config.json")),
  });

// The Llama 2 tokenizer_config.json ships no chat_template; this is the Llama 2 chat format, passed explicitly.
export const llama2ChatTemplate = readFileSync(join(here, "llama2-chat-template.jinja"), "utf8");

const texts = readJson(join(here, "reference-texts.json"));
const conversation = readJson(join(here, "reference-conversation.json"));

function describe(tokenizer, chatTemplate) {
  const encodings = texts.map((text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const withSpecial = tokenizer.encode(text, { add_special_tokens: true });
    return {
      text,
      ids,
      idsWithSpecialTokens: withSpecial,
      decoded: ids.length > 0 ? tokenizer.decode(ids) : "",
      decodedSkippingSpecial: ids.length > 0 ? tokenizer.decode(ids, { skip_special_tokens: true }) : "",
    };
  });
  const chat = {};
  for (const addGenerationPrompt of [false, true]) {
    const key = addGenerationPrompt ? "withGenerationPrompt" : "withoutGenerationPrompt";
    try {
      chat[key] = tokenizer.apply_chat_template(conversation, {
        tokenize: false,
        add_generation_prompt: addGenerationPrompt,
        chat_template: chatTemplate,
      });
    } catch (error) {
      // The Jinja interpreter bundled with @lenml/tokenizers 3.7.2 cannot parse some real templates (Qwen3's
      // `x.split(...)[-1]`); reference_chat.py renders every template with Python's Jinja2 as well.
      chat[key] = { error: String(error.message ?? error) };
    }
  }
  return { encodings, chat };
}

const models = join(root, "tools/node_modules/@lenml");
const result = {
  llama3: describe(load(join(models, "tokenizer-llama3/models")), null),
  qwen3: describe(load(join(models, "tokenizer-qwen3/models")), null),
  llama2: describe(load(join(models, "tokenizer-llama2/models")), llama2ChatTemplate),
};
const built = join(here, "built-tokenizer");
if (existsSync(join(built, "tokenizer.json"))) {
  result.built = describe(load(built), null);
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
