using TuneOperator.Data.Datasets;
using TuneOperator.Trainer.Engine;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;
using TrainingBatch = TuneOperator.Trainer.Training.Batch;

namespace TuneOperator.Trainer.Tests.Engine;

/// <summary>Packed rows from the engine's batch source keep their documents apart: each document's logits and loss equal those of the document alone.</summary>
[Collection(SerialTorchCollection.Name)]
public sealed class PackedBatchTests : IDisposable
{
    private readonly EngineTestKit kit = new();

    public void Dispose() => kit.Dispose();

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void A_document_packed_with_others_gets_the_logits_and_loss_it_gets_alone(string architecture)
    {
        using var scope = NewDisposeScope();
        using var model = Model(architecture);
        var train = kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(2).Take(12).Select((r, i) => (r.Input + new string('!', i % 4), r.Output)));
        var options = new DataOptions { Sources = [new DatasetSource(train)], Format = DatasetFormat.Chat, MaxSeqLength = 64, Packing = true, Seed = 3 };
        var data = DatasetPreparer.Prepare(options, kit.Tokenizer, TestContext.Current.CancellationToken);
        using var source = new LoaderBatchSource(new DataLoader(data, batchSize: 2, DataLoader.PadTokenIdOf(kit.Tokenizer)), CPU);
        var objective = new CausalLanguageModelObjective();

        var packed = source.Next();

        Assert.NotNull(packed.Segments);
        Assert.NotNull(packed.PositionIds);
        using var noGrad = no_grad();
        var packedLogits = packed.Logits(model);
        var plainLogits = model.call(packed.InputIds);
        var documents = Documents(packed);
        Assert.True(documents.Count >= 4, $"only {documents.Count} documents were packed");
        var aloneLossSum = 0.0;
        var crossAttentionSeen = false;
        foreach (var (row, start, length) in documents)
        {
            var ids = packed.InputIds[row, TensorIndex.Slice(start, start + length)].unsqueeze(0);
            var labels = packed.Labels[row, TensorIndex.Slice(start, start + length)].unsqueeze(0);
            var alone = new TrainingBatch(ids, labels);
            var aloneLogits = model.call(ids);
            var inPack = packedLogits[row, TensorIndex.Slice(start, start + length)].unsqueeze(0);
            var gap = (inPack - aloneLogits).abs().max().item<float>();
            Assert.True(gap <= 1e-5, $"row {row} document at {start} (+{length}): packed logits differ by {gap}");
            crossAttentionSeen |= start > 0 && (plainLogits[row, TensorIndex.Slice(start, start + length)].unsqueeze(0) - aloneLogits).abs().max().item<float>() > 1e-3;
            aloneLossSum += objective.LossSum(model, alone).item<float>();
        }

        var packedLossSum = objective.LossSum(model, packed).item<float>();
        Assert.True(Math.Abs(packedLossSum - aloneLossSum) <= 1e-5 * Math.Max(1, Math.Abs(aloneLossSum)), $"packed loss sum {packedLossSum} vs documents alone {aloneLossSum}");
        Assert.True(crossAttentionSeen, "without the segment mask the later documents' logits should change: the test would not catch cross-document attention");
    }

    [Fact]
    public void Unpacked_right_padded_batches_use_plain_causal_attention()
    {
        using var scope = NewDisposeScope();
        var train = kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(2).Take(8));
        var options = new DataOptions { Sources = [new DatasetSource(train)], Format = DatasetFormat.Chat, MaxSeqLength = 64, Seed = 3 };
        var data = DatasetPreparer.Prepare(options, kit.Tokenizer, TestContext.Current.CancellationToken);
        using var source = new LoaderBatchSource(new DataLoader(data, batchSize: 4, DataLoader.PadTokenIdOf(kit.Tokenizer)), CPU);

        var batch = source.Next();

        Assert.Null(batch.Segments);
        Assert.Null(batch.PositionIds);
        Assert.Equal([4L, batch.InputIds.shape[1]], batch.Labels.shape);
    }

    private static List<(int Row, int Start, int Length)> Documents(TrainingBatch batch)
    {
        var segments = batch.Segments!;
        var rows = (int)segments.shape[0];
        var length = (int)segments.shape[1];
        var values = segments.data<long>().ToArray();
        var documents = new List<(int, int, int)>();
        for (var row = 0; row < rows; row++)
        {
            var t = 0;
            while (t < length)
            {
                var id = values[(row * length) + t];
                var start = t;
                while (t < length && values[(row * length) + t] == id)
                {
                    t++;
                }

                if (id > 0)
                {
                    documents.Add((row, start, t - start));
                }
            }
        }

        return documents;
    }

    private LanguageModel Model(string architecture)
    {
        var config = new ModelInitOptions(architecture, kit.Tokenizer.VocabularySize, HiddenSize: 32, Layers: 2, Heads: 4, KeyValueHeads: architecture == "llama" ? 2 : null, MaxPositions: 128).ToConfig();
        var model = ModelFactory.Create(config, seed: 5);
        model.eval();
        return model;
    }
}
