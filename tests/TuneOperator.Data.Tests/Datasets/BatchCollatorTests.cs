using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class BatchCollatorTests
{
    private const int I = TokenizedExample.IgnoreIndex;

    private static TrainingSequence Row(int[] ids, int? label = null) =>
        TrainingSequence.Single(new TokenizedExample(ids, [I, .. ids[1..]], label, "s", new DataLocation("t", 1)));

    [Fact]
    public void Right_padding_pads_after_the_tokens()
    {
        var batch = BatchCollator.Collate([Row([5, 6, 7]), Row([8])], 0, PaddingSide.Right, DataPosition.Start);

        Assert.Equal((2, 3, 2, 4L), (batch.Size, batch.Length, batch.Examples, batch.Tokens));
        Assert.Equal([5L, 6, 7, 8, 0, 0], batch.InputIds);
        Assert.Equal([I, 6L, 7, I, I, I], batch.Labels);
        Assert.Equal([1L, 1, 1, 1, 0, 0], batch.AttentionMask);
        Assert.Equal([0L, 1, 2, 0, 0, 0], batch.PositionIds);
        Assert.Equal([0L, 0, 0, 0, -1, -1], batch.DocumentIds);
        Assert.Null(batch.ClassLabels);
    }

    [Fact]
    public void Left_padding_pads_before_the_tokens()
    {
        var batch = BatchCollator.Collate([Row([5, 6, 7], 1), Row([8], 0)], 9, PaddingSide.Left, DataPosition.Start);

        Assert.Equal([5L, 6, 7, 9, 9, 8], batch.InputIds);
        Assert.Equal([1L, 1, 1, 0, 0, 1], batch.AttentionMask);
        Assert.Equal([0L, 1, 2, 0, 0, 0], batch.PositionIds);
        Assert.Equal([1L, 0], Assert.IsType<long[]>(batch.ClassLabels));
    }
}
