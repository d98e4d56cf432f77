using TorchSharp;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class InMemoryBatchSourceTests
{
    public InMemoryBatchSourceTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void Batches_are_right_padded_with_ignored_labels()
    {
        using var scope = NewDisposeScope();
        var source = new InMemoryBatchSource([SequenceExample.ForLanguageModel([5, 6, 7]), SequenceExample.ForLanguageModel([8])], 2, shuffle: false, padId: 9);

        var batch = source.Next();

        Assert.Equal([5L, 6, 7, 8, 9, 9], batch.InputIds.data<long>().ToArray());
        Assert.Equal([5L, 6, 7, 8, -100, -100], batch.Labels.data<long>().ToArray());
        Assert.Equal(new BatchPosition(1, 0), source.Position);
    }

    [Fact]
    public void Seeking_to_a_saved_position_replays_the_same_batches()
    {
        using var scope = NewDisposeScope();
        var examples = Enumerable.Range(0, 10).Select(i => SequenceExample.ForClassification([i], i % 2)).ToList();
        var first = new InMemoryBatchSource(examples, 3, seed: 4);
        for (var i = 0; i < 5; i++)
        {
            first.Next();
        }

        var position = first.Position;
        var expected = Enumerable.Range(0, 6).Select(_ => first.Next().InputIds.data<long>().ToArray()).ToList();

        var second = new InMemoryBatchSource(examples, 3, seed: 4);
        second.Seek(position);
        var actual = Enumerable.Range(0, 6).Select(_ => second.Next().InputIds.data<long>().ToArray()).ToList();

        Assert.Equal(new BatchPosition(1, 1), position);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Each_epoch_is_a_different_seeded_permutation_of_all_examples()
    {
        using var scope = NewDisposeScope();
        var examples = Enumerable.Range(0, 8).Select(i => SequenceExample.ForClassification([i], 0)).ToList();
        var source = new InMemoryBatchSource(examples, 8, seed: 1);

        var epoch0 = source.Next().InputIds.data<long>().ToArray();
        var epoch1 = source.Next().InputIds.data<long>().ToArray();

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
    }

    [Fact]
    public void Labels_that_do_not_pair_with_ids_are_rejected_by_index()
    {
        var error = Assert.Throws<ArgumentException>(() => new InMemoryBatchSource([SequenceExample.ForLanguageModel([1, 2]), new SequenceExample([1, 2], [1])], 1));

        Assert.Contains("examples[1].Labels", error.Message, StringComparison.Ordinal);
    }
}
