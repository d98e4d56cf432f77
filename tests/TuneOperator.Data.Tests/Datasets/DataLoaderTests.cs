using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class DataLoaderTests
{
    private static readonly CharTokenizer Tokenizer = new();

    private static PreparedDataset Prepare(TestData data, bool packing, int rows = 40)
    {
        var math = data.Write("math.jsonl", [.. Enumerable.Range(0, rows).Select(i => $$"""{"instruction":"add {{i}} and {{i % 7}}","output":"{{i + (i % 7)}}"}""")]);
        var prose = data.Write("prose.jsonl", [.. Enumerable.Range(0, rows / 2).Select(i => $$"""{"text":"{{new string('w', 1 + (i % 9))}} {{i}}"}""")]);
        var options = new DataOptions
        {
            Sources = [new DatasetSource(math, 3, Format: DatasetFormat.Instruction), new DatasetSource(prose, 1, Format: DatasetFormat.Completion)],
            PromptTemplate = new PromptTemplate { WithoutInput = "{instruction}=", WithInput = "{instruction}{input}=" },
            MaxSeqLength = 32,
            Packing = packing,
            Seed = 11,
        };
        return DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);
    }

    private static string Key(Batch batch) => string.Join(',', batch.InputIds) + "|" + string.Join(',', batch.Labels);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reading_from_a_reported_position_continues_exactly(bool packing)
    {
        using var data = new TestData();
        var loader = new DataLoader(Prepare(data, packing), batchSize: 4, DataLoader.PadTokenIdOf(Tokenizer));

        var epoch = loader.ReadEpoch(DataPosition.Start, TestContext.Current.CancellationToken).ToList();
        var resumed = loader.ReadEpoch(epoch[2].Next, TestContext.Current.CancellationToken).ToList();

        Assert.Equal(epoch.Skip(3).Select(Key), resumed.Select(Key));
        Assert.Equal(epoch.Count, loader.BatchesPerEpoch(0));
        Assert.Equal(new DataPosition(1, 0), epoch[^1].Next);
        Assert.Equal(60, epoch.Sum(b => b.Examples));

        // A fresh loader (a restarted trainer) resumes the same way.
        var restarted = new DataLoader(Prepare(data, packing), batchSize: 4, DataLoader.PadTokenIdOf(Tokenizer));
        Assert.Equal(resumed.Select(Key), restarted.ReadEpoch(epoch[2].Next, TestContext.Current.CancellationToken).Select(Key));
    }

    [Fact]
    public void Packed_batches_have_the_full_length_and_epochs_differ()
    {
        using var data = new TestData();
        var loader = new DataLoader(Prepare(data, packing: true), batchSize: 2, DataLoader.PadTokenIdOf(Tokenizer));

        var first = loader.ReadEpoch(DataPosition.Start, TestContext.Current.CancellationToken).ToList();
        var second = loader.ReadEpoch(new DataPosition(1, 0), TestContext.Current.CancellationToken).ToList();

        Assert.All(first, b => Assert.Equal(32, b.Length));
        Assert.True(first.Sum(b => b.Tokens) > first.Sum(b => b.Size) * 32 * 0.5, "packing should fill most positions");
        Assert.NotEqual(first.Select(Key), second.Select(Key));
        Assert.Equal(new DataPosition(2, 0), second[^1].Next);
    }

    [Fact]
    public void Each_epoch_mixes_sources_by_weight()
    {
        using var data = new TestData();
        var loader = new DataLoader(Prepare(data, packing: false), batchSize: 8, DataLoader.PadTokenIdOf(Tokenizer));

        Assert.Equal([45L, 15], loader.Plan(0).CountsPerSource);
        Assert.Equal([45L, 15], loader.Plan(1).CountsPerSource);
    }

    [Fact]
    public void Validation_batches_keep_file_order()
    {
        using var data = new TestData();
        var train = data.Write("t.jsonl", """{"text":"a"}""");
        var validation = data.Write("v.jsonl", """{"text":"bb"}""", """{"text":"c"}""", """{"text":"dddd"}""");
        var prepared = DatasetPreparer.Prepare(
            new DataOptions { Sources = [new DatasetSource(train, Validation: validation)], Format = DatasetFormat.Completion, Packing = true },
            Tokenizer,
            TestContext.Current.CancellationToken);

        var batches = new DataLoader(prepared, 2, CharTokenizer.Pad).ReadValidation().ToList();

        Assert.Equal([2, 1], batches.Select(b => b.Size));
        Assert.Equal([4, 6], batches.Select(b => b.Length));
        Assert.Equal("<s>bb</s><s>c</s><pad>", Tokenizer.Decode(batches[0].InputIds.Select(i => (int)i)));
    }

    [Fact]
    public void A_source_left_empty_by_preprocessing_is_named()
    {
        using var data = new TestData();
        var path = data.Write("broken.jsonl", "not json");
        var prepared = DatasetPreparer.Prepare(new DataOptions { Sources = [new DatasetSource(path)] }, Tokenizer, TestContext.Current.CancellationToken);

        var error = Assert.Throws<InvalidOperationException>(() => new DataLoader(prepared, 1, 0));
        Assert.Contains("'broken' has no training rows left", error.Message, StringComparison.Ordinal);
        Assert.Contains("malformed 1", error.Message, StringComparison.Ordinal);
    }
}
