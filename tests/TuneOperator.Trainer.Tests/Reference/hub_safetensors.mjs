// Reads a local safetensors file's header with Hugging Face's own TypeScript parser (@huggingface/hub,
// parseSafetensorsMetadata, the code the Hub uses to show a model's tensors and parameter counts). The parser
// fetches over HTTP with range requests; a fetch function given to it answers them from the local file instead.
// Prints {"tensors": {name: [dtype, shape, data_offsets]}, "parameterCount": {...}} as JSON.
// Usage: node hub_safetensors.mjs REPO_ROOT FILE
import { openSync, readSync, fstatSync, closeSync } from "node:fs";
import { basename, join } from "node:path";

const [root, file] = process.argv.slice(2);
const { parseSafetensorsMetadata } = await import(join(root, "tools/node_modules/@huggingface/hub/dist/index.mjs"));
const name = basename(file);

function read(start, endInclusive) {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const end = Math.min(endInclusive, size - 1);
    const buffer = Buffer.alloc(Math.max(0, end - start + 1));
    readSync(fd, buffer, 0, buffer.length, start);
    return { buffer, size, end };
  } finally {
    closeSync(fd);
  }
}

async function localFetch(input, init) {
  const url = input instanceof Request ? input.url : String(input);
  if (!decodeURIComponent(new URL(url).pathname).endsWith("/" + name)) {
    return new Response("not found", { status: 404 });
  }
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  const range = /^bytes=(\d+)-(\d*)$/.exec(headers.get("Range") ?? "");
  const { size } = read(0, -1);
  const start = range ? Number(range[1]) : 0;
  const last = range && range[2] !== "" ? Number(range[2]) : size - 1;
  const { buffer, end } = read(start, last);
  const status = range ? 206 : 200;
  const responseHeaders = { "Content-Length": String(buffer.length), ETag: `"local-${size}"` };
  if (range) {
    responseHeaders["Content-Range"] = `bytes ${start}-${end}/${size}`;
  }
  return new Response((init?.method ?? "GET") === "HEAD" ? null : buffer, { status, headers: responseHeaders });
}

const parsed = await parseSafetensorsMetadata({
  repo: { type: "model", name: "local/exported" },
  path: name,
  computeParametersCount: true,
  hubUrl: "http://localhost.invalid",
  fetch: localFetch,
});
if (parsed.sharded) {
  throw new Error("expected a single safetensors file");
}
const tensors = {};
for (const [tensor, info] of Object.entries(parsed.header)) {
  if (tensor !== "__metadata__") {
    tensors[tensor] = [info.dtype, info.shape, info.data_offsets];
  }
}
console.log(JSON.stringify({ tensors, parameterCount: parsed.parameterCount }));
