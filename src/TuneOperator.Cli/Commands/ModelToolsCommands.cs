using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Cli.Local;
using TuneOperator.Data.Datasets;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Cli.Commands;

/// <summary><c>tune inspect</c>, <c>tune tokenize</c> and <c>tune data</c>: look at a model and at a job's data before training.</summary>
internal static class ModelToolsCommands
{
    /// <summary>Creates the three commands.</summary>
    public static IEnumerable<Command> Create()
    {
        var modelDir = new Argument<string>("model-dir") { Description = "A model folder (config.json, *.safetensors, tokenizer.json)." };
        var inspect = new Command("inspect", "Show a model's architecture, parameter count, dtypes, tokenizer and chat template.") { modelDir };
        inspect.SetAction(parse => Guard(Console.Error, () => Inspect(parse.GetValue(modelDir)!, Console.Out)));

        var tokenizeDir = new Argument<string>("model-dir") { Description = "A model folder or a folder holding tokenizer.json." };
        var text = new Argument<string>("text") { Description = "The text to tokenize." };
        var json = new Option<bool>("--json") { Description = "Write {ids, tokens} as JSON." };
        var special = new Option<bool>("--special") { Description = "Add the tokenizer's special tokens (BOS/EOS) as training does." };
        var tokenize = new Command("tokenize", "Show the token ids and pieces of a text.") { tokenizeDir, text, json, special };
        tokenize.SetAction(parse => Guard(Console.Error, () =>
            Tokenize(parse.GetValue(tokenizeDir)!, parse.GetValue(text)!, parse.GetValue(json), parse.GetValue(special), Console.Out)));

        var manifest = new Argument<string>("manifest") { Description = "A FineTuneJob manifest." };
        var rows = new Option<int>("--rows") { Description = "How many prepared rows to show.", DefaultValueFactory = _ => 3 };
        var data = new Command("data", "Show a job's rows after preprocessing (loss mask marked) and the dropped rows by reason.") { manifest, rows };
        data.SetAction((parse, cancellationToken) => Task.FromResult(Guard(Console.Error, () =>
            Data(parse.GetValue(manifest)!, parse.GetValue(rows), Console.Out, cancellationToken))));
        return [inspect, tokenize, data];
    }

    /// <summary>Writes the model's description; returns the exit code.</summary>
    public static int Inspect(string directory, TextWriter output)
    {
        var config = ModelConfig.Load(directory);
        output.WriteLine($"model:        {Path.GetFullPath(directory)}");
        output.WriteLine($"architecture: {config.ModelType} ({config.Family}, head {config.Head})");
        output.WriteLine(Invariant($"shape:        {config.NumLayers} layers, hidden {config.HiddenSize}, {config.NumHeads} heads ({config.NumKeyValueHeads} kv), MLP {config.IntermediateSize}, vocab {config.VocabSize}, context {config.MaxPositions}"));
        using (var weights = SafetensorsCheckpoint.Open(directory))
        {
            output.WriteLine(Invariant($"parameters:   {weights.ParameterCount:N0} in {weights.Tensors.Count} tensors"));
            var dtypes = weights.Tensors.Values.GroupBy(t => t.DType).OrderByDescending(g => g.Sum(t => t.ElementCount))
                .Select(g => Invariant($"{g.Key} ({g.Count()} tensors, {g.Sum(t => t.ElementCount):N0} values)"));
            output.WriteLine($"dtypes:       {string.Join(", ", dtypes)}");
        }

        if (File.Exists(Path.Combine(directory, HuggingFaceTokenizer.TokenizerFileName)))
        {
            var tokenizer = HuggingFaceTokenizer.Load(directory);
            output.WriteLine(Invariant($"tokenizer:    {tokenizer.VocabularySize} tokens; bos {Special(tokenizer.BosToken, tokenizer.BosTokenId)}, eos {Special(tokenizer.EosToken, tokenizer.EosTokenId)}, pad {Special(tokenizer.PadToken, tokenizer.PadTokenId)}"));
            output.WriteLine(tokenizer.ChatTemplate is null ? "chat template: none" : $"chat template:\n{tokenizer.ChatTemplate}");
        }
        else
        {
            output.WriteLine("tokenizer:    none (no tokenizer.json)");
        }

        return 0;
    }

    /// <summary>Writes the ids and pieces of <paramref name="text"/>; returns the exit code.</summary>
    public static int Tokenize(string directory, string text, bool json, bool addSpecialTokens, TextWriter output)
    {
        var tokenizer = HuggingFaceTokenizer.Load(directory);
        var ids = tokenizer.Encode(text, addSpecialTokens);
        var pieces = ids.Select(id => tokenizer.IdToToken(id) ?? "").ToList();
        if (json)
        {
            var node = new JsonObject
            {
                ["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]),
                ["tokens"] = new JsonArray([.. pieces.Select(p => (JsonNode)p)]),
            };
            output.WriteLine(node.ToJsonString());
            return 0;
        }

        output.WriteLine($"{ids.Count} tokens");
        for (var i = 0; i < ids.Count; i++)
        {
            output.WriteLine(Invariant($"{ids[i],8}  {JsonSerializer.Serialize(pieces[i])}"));
        }

        return 0;
    }

    /// <summary>Prepares the job's data as training would and shows rows and drops; returns the exit code.</summary>
    public static int Data(string manifestPath, int rows, TextWriter output, CancellationToken cancellationToken)
    {
        var manifest = LocalManifest.Load(manifestPath);
        var job = manifest.Resources.OfType<FineTuneJob>().FirstOrDefault()
            ?? throw new ValidationException([new ValidationError("kind", "tune data needs a FineTuneJob document")]);
        var runner = new LocalJobRunner(manifest, new LocalRunOptions("", false, null, TimeSpan.Zero), TimeProvider.System);
        var spec = runner.Plan(job);
        var tokenizer = spec.Model.Init is { } init
            ? LoadTokenizer(LocalManifest.ToLocalPath(init.Tokenizer))
            : HuggingFaceTokenizer.Load(LocalManifest.ToLocalPath(spec.Model.Source!));
        var options = DataOptionsMapping.FromSpec(spec, LocalManifest.ToLocalPath);
        var prepared = DatasetPreparer.Prepare(options, tokenizer, cancellationToken);
        var report = prepared.Report;
        output.WriteLine(Invariant($"{report.RowsRead} rows read, {report.RowsKept} kept, {report.DroppedTotal} dropped, {report.Tokens} tokens"));
        output.WriteLine("legend: [text] is trained on (in the loss), plain text is masked out");
        foreach (var example in prepared.Sources.SelectMany(s => s.Train).Take(rows))
        {
            output.WriteLine();
            output.WriteLine(Invariant($"{example.Location} ({example.InputIds.Length} tokens, {example.TrainableTokens} trained{(example.ClassLabel is { } label ? $", label {label}" : "")}):"));
            output.WriteLine(MaskedText(tokenizer, example));
        }

        var drops = report.Drops();
        if (drops.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("dropped rows:");
            foreach (var drop in drops)
            {
                output.WriteLine(Invariant($"  {drop.Reason}: {drop.Count}"));
                foreach (var sample in drop.First)
                {
                    output.WriteLine($"    {sample}");
                }
            }
        }

        return 0;
    }

    /// <summary>The example's text with the trained spans in brackets.</summary>
    public static string MaskedText(HuggingFaceTokenizer tokenizer, TokenizedExample example)
    {
        var text = new StringBuilder();
        var start = 0;
        while (start < example.InputIds.Length)
        {
            var trained = example.Labels[start] != TokenizedExample.IgnoreIndex;
            var end = start;
            while (end < example.InputIds.Length && (example.Labels[end] != TokenizedExample.IgnoreIndex) == trained)
            {
                end++;
            }

            var span = tokenizer.Decode(example.InputIds[start..end]);
            text.Append(trained ? $"[{span}]" : span);
            start = end;
        }

        return text.ToString();
    }

    private static HuggingFaceTokenizer LoadTokenizer(string path) =>
        Directory.Exists(path) ? HuggingFaceTokenizer.Load(path) : HuggingFaceTokenizer.FromFiles(path, null);

    private static string Special(string? token, int? id) => token is null ? "none" : $"{token} ({id})";

    private static int Guard(TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (ValidationException invalid)
        {
            foreach (var problem in invalid.Errors)
            {
                error.WriteLine(problem);
            }

            return RunCommand.InvalidManifest;
        }
        catch (Exception problem) when (problem is ModelFileException or TokenizerFormatException or IOException or ArgumentException or JsonException)
        {
            error.WriteLine(problem.Message);
            return 1;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
