using System.CommandLine;
using System.Text.Json;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Cli.Commands;

/// <summary><c>tune tokenizer build</c>: trains a byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json) on text files.</summary>
internal static class TokenizerCommand
{
    /// <summary>Creates the <c>tokenizer</c> command with its <c>build</c> subcommand.</summary>
    public static Command Create()
    {
        var corpus = new Argument<string[]>("corpus") { Description = "Text or JSONL files (JSONL: every string value of each row is used).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The folder to write tokenizer.json and tokenizer_config.json to.", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Vocabulary size (at least 256 bytes plus the special tokens).", DefaultValueFactory = _ => 512 };
        var build = new Command("build", "Train a byte-level BPE tokenizer on a corpus.") { corpus, output, vocabSize };
        build.SetAction(parse =>
        {
            try
            {
                return Build(parse.GetValue(corpus)!, parse.GetValue(output)!, parse.GetValue(vocabSize), Console.Out);
            }
            catch (Exception error) when (error is IOException or ArgumentException or JsonException)
            {
                Console.Error.WriteLine(error.Message);
                return 1;
            }
        });
        return new Command("tokenizer", "Build tokenizers for models trained from scratch (model.init).") { build };
    }

    /// <summary>Builds the tokenizer and writes its files; returns the exit code.</summary>
    public static int Build(IReadOnlyList<string> corpusFiles, string outputDirectory, int vocabularySize, TextWriter log)
    {
        var texts = corpusFiles.SelectMany(ReadTexts).ToList();
        var files = new TokenizerBuilder { VocabularySize = vocabularySize }.Build(texts);
        Directory.CreateDirectory(outputDirectory);
        files.Save(outputDirectory);
        log.WriteLine($"tokenizer with {vocabularySize} tokens trained on {texts.Count} texts written to {Path.GetFullPath(outputDirectory)}");
        return 0;
    }

    private static IEnumerable<string> ReadTexts(string path)
    {
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            yield return File.ReadAllText(path);
            yield break;
        }

        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            using var document = JsonDocument.Parse(line);
            foreach (var text in Strings(document.RootElement))
            {
                yield return text;
            }
        }
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };
}
