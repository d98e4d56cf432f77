using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class SequencePackerTests
{
    private const int I = TokenizedExample.IgnoreIndex;
    private const int Pad = 0;

    private static TokenizedExample Example(int first, int length, int line) =>
        new([.. Enumerable.Range(first, length)], [.. Enumerable.Range(first, length)], null, "s", new DataLocation("t.jsonl", line));

    [Fact]
    public void Examples_are_packed_whole_into_sequences_of_exact_length()
    {
        var examples = new[] { Example(100, 3, 1), Example(200, 4, 2), Example(300, 5, 3), Example(400, 2, 4) };

        var sequences = SequencePacker.Pack(examples, 8, Pad).ToList();

        Assert.Equal(2, sequences.Count);
        Assert.All(sequences, s => Assert.Equal(8, s.Length));
        Assert.Equal([2, 2], sequences.Select(s => s.Examples));

        var first = sequences[0];
        Assert.Equal([100, 101, 102, 200, 201, 202, 203, Pad], first.InputIds);
        Assert.Equal([0, 1, 2, 0, 1, 2, 3, 0], first.PositionIds);
        Assert.Equal([0, 0, 0, 1, 1, 1, 1, -1], first.DocumentIds);
        Assert.Equal([I, 101, 102, I, 201, 202, 203, I], first.Labels);

        var second = sequences[1];
        Assert.Equal([300, 301, 302, 303, 304, 400, 401, Pad], second.InputIds);
        Assert.Equal([0, 1, 2, 3, 4, 0, 1, 0], second.PositionIds);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, -1], second.DocumentIds);
        Assert.Equal([I, 301, 302, 303, 304, I, 401, I], second.Labels);
    }

    [Fact]
    public void An_example_of_exactly_the_length_fills_a_sequence()
    {
        var sequences = SequencePacker.Pack([Example(1, 8, 1), Example(20, 1, 2)], 8, Pad).ToList();

        Assert.Equal([1, 1], sequences.Select(s => s.Examples));
        Assert.DoesNotContain(-1, sequences[0].DocumentIds);
    }

    [Fact]
    public void Packing_from_a_sequence_boundary_gives_the_same_sequences()
    {
        var examples = Enumerable.Range(0, 30).Select(i => Example(i * 10, 1 + (i * 7 % 6), i)).ToArray();
        var all = SequencePacker.Pack(examples, 9, Pad).ToList();

        var skipped = all.Take(4).Sum(s => s.Examples);
        var resumed = SequencePacker.Pack(examples.Skip(skipped), 9, Pad).ToList();

        Assert.Equal(all.Skip(4).Select(s => s.InputIds), resumed.Select(s => s.InputIds));
        Assert.Equal(30, all.Sum(s => s.Examples));
    }

    [Fact]
    public void An_example_longer_than_the_sequence_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => SequencePacker.Pack([Example(1, 9, 12)], 8, Pad).ToList());
        Assert.Contains("t.jsonl:12 has 9 tokens, more than the packed length 8", error.Message, StringComparison.Ordinal);
    }
}
