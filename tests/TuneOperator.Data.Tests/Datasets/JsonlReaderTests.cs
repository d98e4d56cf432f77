using System.Text;
using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class JsonlReaderTests
{
    [Fact]
    public void Lines_are_numbered_from_one_with_crlf_and_bom()
    {
        using var data = new TestData();
        var path = data.Write("a.jsonl");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("{\"a\":1}\r\n\r\n{\"b\":\"é\"}\n")]);

        var lines = JsonlReader.ReadLines(path, TestContext.Current.CancellationToken).ToList();

        Assert.Equal([new JsonlLine(1, "{\"a\":1}"), new JsonlLine(2, ""), new JsonlLine(3, "{\"b\":\"é\"}")], lines);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => JsonlReader.ReadLines("/nonexistent/train.jsonl", TestContext.Current.CancellationToken));
        Assert.Contains("/nonexistent/train.jsonl", error.Message, StringComparison.Ordinal);
    }
}
