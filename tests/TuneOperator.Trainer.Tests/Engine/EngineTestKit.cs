using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Api;
using TuneOperator.Data.Tokenization;
using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Engine;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Tests.Engine;

/// <summary>
/// A scratch directory with a tokenizer built from the tests' synthetic data, JSONL writers and a plan builder for
/// tiny models trained from scratch (model.init), plus a recording reporter.
/// </summary>
internal sealed class EngineTestKit : IDisposable
{
    public const string Letters = "abcdefgh";
    public static readonly string[] Positive = ["good", "great", "happy", "fine", "nice", "love"];
    public static readonly string[] Negative = ["bad", "awful", "sad", "poor", "hate", "ugly"];
    public static readonly string[] Neutral = ["the", "movie", "food", "day", "was", "it"];

    private static readonly Lazy<TokenizerFiles> BuiltTokenizer = new(() => new TokenizerBuilder { VocabularySize = 320 }.Build(Corpus()));

    public EngineTestKit()
    {
        Root = Directory.CreateTempSubdirectory("engine-tests-").FullName;
        TokenizerDirectory = Path.Combine(Root, "tokenizer");
        BuiltTokenizer.Value.Save(TokenizerDirectory);
        Tokenizer = HuggingFaceTokenizer.Load(TokenizerDirectory);
    }

    public string Root { get; }

    public string TokenizerDirectory { get; }

    public HuggingFaceTokenizer Tokenizer { get; }

    public static EngineTrainingRunner Runner() => new(PathMappings.None, NullLoggerFactory.Instance, TimeProvider.System);

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Copy rows: instruction "copy", input three letters, output the same letters; all 512 strings in a seeded order.</summary>
    public static IReadOnlyList<(string Input, string Output)> CopyRows(int seed)
    {
        var all = new List<string>();
        foreach (var a in Letters)
        {
            foreach (var b in Letters)
            {
                foreach (var c in Letters)
                {
                    all.Add($"{a} {b} {c}");
                }
            }
        }

        var random = new Random(seed);
        return [.. all.OrderBy(_ => random.Next()).Select(s => (s, s))];
    }

    /// <summary>Chat rows: the user asks <paramref name="request"/> followed by the input, the assistant answers with the output.</summary>
    public string WriteChats(string name, IEnumerable<(string Input, string Output)> rows, string request = "copy ")
        => WriteLines(name, rows.Select(r => JsonSerializer.Serialize(new
        {
            messages = new[] { new { role = "user", content = request + r.Input }, new { role = "assistant", content = r.Output } },
        })));

    /// <summary>Sentiment rows of four words: two or three sentiment words of one polarity and neutral filler.</summary>
    public string WriteSentiment(string name, int count, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var positive = random.Next(2) == 0;
            var pool = positive ? Positive : Negative;
            var words = new List<string> { pool[random.Next(pool.Length)], pool[random.Next(pool.Length)], Neutral[random.Next(Neutral.Length)] };
            words.Insert(random.Next(words.Count + 1), random.Next(2) == 0 ? pool[random.Next(pool.Length)] : Neutral[random.Next(Neutral.Length)]);
            lines.Add(JsonSerializer.Serialize(new { text = string.Join(' ', words), label = positive ? "positive" : "negative" }));
        }

        return WriteLines(name, lines);
    }

    public string WriteLines(string name, IEnumerable<string> lines)
    {
        var path = PathOf(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A plan for a tiny Llama trained from scratch on <paramref name="train"/>.</summary>
    public FineTuneJobSpec Plan(string train, DatasetFormat format, string output)
        => new()
        {
            Model = new ModelSpec
            {
                Init = new ModelInit
                {
                    Architecture = ModelArchitecture.Llama,
                    VocabSize = Tokenizer.VocabularySize,
                    HiddenSize = 64,
                    Layers = 2,
                    Heads = 4,
                    IntermediateSize = 128,
                    MaxPositionEmbeddings = 128,
                    Tokenizer = "file://" + TokenizerDirectory,
                },
            },
            Dataset = new DatasetSpec { Train = train, Format = format, MaxSeqLength = 96 },
            Hyperparameters = new HyperparametersSpec { LearningRate = 3e-3, BatchSize = 16, Seed = 7, WarmupSteps = 10 },
            Output = new OutputSpec { Location = output },
        };

    public static TrainingRequest Request(FineTuneJobSpec spec, string? resumeFrom = null, int attempt = 1)
        => new("uid-1", "ml", "job", attempt, JsonSerializer.Serialize(spec, ApiJson.Options), resumeFrom);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow disk: the temp directory is cleaned by the system.
        }
    }

    private static IEnumerable<string> Corpus()
    {
        foreach (var (input, _) in CopyRows(1))
        {
            yield return "copy " + input + "\n" + input;
        }

        foreach (var word in Positive.Concat(Negative).Concat(Neutral))
        {
            yield return string.Join(' ', Enumerable.Repeat(word, 3));
        }

        yield return "1 2 3 4 5 6 7 8 9 0 one two three four five six seven eight nine zero";
    }
}

/// <summary>Records every report, in order, thread-safely; an optional hook sees each one on the training thread.</summary>
internal sealed class RecordingReporter(Action<RecordingReporter, object>? hook = null) : ITrainingReporter
{
    private readonly Lock gate = new();
    private readonly List<object> reports = [];

    public IReadOnlyList<object> Reports
    {
        get
        {
            lock (gate)
            {
                return [.. reports];
            }
        }
    }

    public IReadOnlyList<Progress> Progresses => [.. Reports.OfType<Progress>()];

    public IReadOnlyList<EvalResult> Evals => [.. Reports.OfType<EvalResult>()];

    public IReadOnlyList<CheckpointInfo> Checkpoints => [.. Reports.OfType<CheckpointInfo>()];

    public IReadOnlyList<TrainerPhase> Phases => [.. Reports.OfType<TrainerPhase>()];

    public void Phase(TrainerPhase phase) => Add(phase);

    public void Progress(Progress progress) => Add(progress);

    public void Metrics(Metrics metrics) => Add(metrics);

    public void Eval(EvalResult result) => Add(result);

    public void CheckpointSaved(CheckpointInfo checkpoint) => Add(checkpoint);

    private void Add(object report)
    {
        lock (gate)
        {
            reports.Add(report);
        }

        hook?.Invoke(this, report);
    }
}
