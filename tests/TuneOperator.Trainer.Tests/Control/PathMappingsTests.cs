using TuneOperator.Trainer.Control;
using Xunit;

namespace TuneOperator.Trainer.Tests.Control;

public sealed class PathMappingsTests
{
    [Fact]
    public void The_longest_mount_path_wins_and_only_whole_segments_match()
    {
        var map = PathMappings.Parse("/mnt/pvc=/tmp/all; /mnt/pvc/data=/tmp/data/ ;/var/run/tuneoperator/token=/tmp/secret");

        Assert.Equal("/tmp/data/train.jsonl", map.Map("/mnt/pvc/data/train.jsonl"));
        Assert.Equal("/tmp/data", map.Map("/mnt/pvc/data"));
        Assert.Equal("/tmp/all/database/x", map.Map("/mnt/pvc/database/x"));
        Assert.Equal("/tmp/secret/token", map.Map("/var/run/tuneoperator/token/token"));
        Assert.Equal("/etc/hosts", map.Map("/etc/hosts"));
        Assert.Equal("/x", PathMappings.None.Map("/x"));
    }

    [Theory]
    [InlineData("relative=/tmp")]
    [InlineData("/mnt/pvc")]
    [InlineData("/mnt/pvc=")]
    public void Malformed_entries_are_refused_with_the_option_name(string text)
    {
        var error = Assert.Throws<FormatException>(() => PathMappings.Parse(text));

        Assert.Contains("Trainer:PathMap", error.Message, StringComparison.Ordinal);
    }
}
