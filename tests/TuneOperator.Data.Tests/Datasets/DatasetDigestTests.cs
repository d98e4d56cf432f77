using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class DatasetDigestTests
{
    [Fact]
    public void The_digest_follows_content_and_options_not_paths()
    {
        using var data = new TestData();
        var a = data.Write("a.jsonl", """{"text":"x"}""");
        var b = data.Write("b.jsonl", """{"text":"x"}""");
        var c = data.Write("c.jsonl", """{"text":"y"}""");
        var options = new DataOptions { Sources = [new DatasetSource(a, Name: "t")], Format = DatasetFormat.Completion };

        var digest = DatasetDigest.Compute(options, TestContext.Current.CancellationToken);

        Assert.Matches("^sha256:[0-9a-f]{64}$", digest);
        Assert.Equal(digest, DatasetDigest.Compute(options with { Sources = [new DatasetSource(b, Name: "t")] }, TestContext.Current.CancellationToken));
        Assert.NotEqual(digest, DatasetDigest.Compute(options with { Sources = [new DatasetSource(c, Name: "t")] }, TestContext.Current.CancellationToken));
        Assert.NotEqual(digest, DatasetDigest.Compute(options with { MaxSeqLength = 100 }, TestContext.Current.CancellationToken));
        Assert.NotEqual(digest, DatasetDigest.Compute(options with { Preprocessing = new PreprocessingOptions { Trim = false } }, TestContext.Current.CancellationToken));
        Assert.Equal(digest, DatasetDigest.Compute(options with { }, TestContext.Current.CancellationToken));
    }
}
