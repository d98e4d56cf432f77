using TuneOperator.Api;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using MetricNames = TuneOperator.Trainer.Evaluation.MetricNames;

namespace TuneOperator.Trainer.Tests.Engine;

/// <summary>
/// Instruction learning through the engine path the gRPC trainer uses: chat JSONL rendered with the tokenizer's chat
/// template, a tiny Llama trained from scratch, and the engine's own exact-match evaluator on held-out rows.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public sealed class EngineExactMatchTests : IDisposable
{
    private readonly EngineTestKit kit = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => kit.Dispose();

    [Fact]
    public async Task A_chat_labelling_task_goes_from_near_zero_to_90_percent_exact_match_on_held_out_rows()
    {
        var rows = SentimentRows(seed: 5);
        var train = kit.WriteChats("train.jsonl", rows.Take(480), request: "sentiment of: ");
        var heldOut = rows.Skip(480).Take(48).ToList();
        Assert.Empty(heldOut.Select(r => r.Input).Intersect(rows.Take(480).Select(r => r.Input)));
        var validation = kit.WriteChats("validation.jsonl", heldOut, request: "sentiment of: ");

        FineTuneJobSpec Plan(string output, int steps)
        {
            var spec = kit.Plan(train, DatasetFormat.Chat, kit.PathOf(output));
            spec.Dataset.Validation = validation;
            spec.Objective = new ObjectiveSpec { Type = ObjectiveType.ResponseOnly };
            spec.Hyperparameters.LearningRate = 1e-2;
            spec.Hyperparameters.MaxSteps = steps;
            return spec;
        }

        // One warm-up step at a tenth of the learning rate: the model is as good as untrained.
        var before = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(Plan("before", 1)), new TrainingControl(), new RecordingReporter(), Ct);
        var after = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(Plan("after", 60)), new TrainingControl(), new RecordingReporter(), Ct);

        var initial = before.Completed!.FinalMetrics[MetricNames.ExactMatch];
        var trained = after.Completed!.FinalMetrics[MetricNames.ExactMatch];
        Assert.True(initial <= 0.1, $"exact match before training {initial}");
        Assert.True(trained >= 0.9, $"exact match after training {trained} (before {initial})");
    }

    /// <summary>
    /// Every distinct three-word text of the patterns (positive, neutral, positive), (negative, neutral, negative) and
    /// (neutral, neutral, neutral), with the label the assistant must answer, in a seeded order: the held-out rows are
    /// texts the model never saw.
    /// </summary>
    private static List<(string Input, string Output)> SentimentRows(int seed)
    {
        var rows = new List<(string, string)>();
        foreach (var (pool, label) in new[] { (EngineTestKit.Positive, "positive"), (EngineTestKit.Negative, "negative"), (EngineTestKit.Neutral, "neutral") })
        {
            foreach (var first in pool)
            {
                foreach (var middle in EngineTestKit.Neutral)
                {
                    foreach (var last in pool)
                    {
                        rows.Add(($"{first} {middle} {last}", label));
                    }
                }
            }
        }

        var random = new Random(seed);
        return [.. rows.Distinct().OrderBy(_ => random.Next())];
    }
}
