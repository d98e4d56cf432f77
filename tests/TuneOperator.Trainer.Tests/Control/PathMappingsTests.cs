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

    [Fact]
    public void Local_paths_map_back_to_the_pod_paths_by_the_longest_local_path()
    {
        // As the local kubelet maps a pod: /tmp is an emptyDir under the pod's folder, claims live beside it.
        var map = PathMappings.Parse("/tmp=/tmp/k/pods/p/volumes/tmp;/mnt/pvc/results=/tmp/k/pvc/default/results");

        Assert.Equal("/mnt/pvc/results/job/checkpoints/checkpoint-00000010", map.ToPodPath("/tmp/k/pvc/default/results/job/checkpoints/checkpoint-00000010"));
        Assert.Equal("/mnt/pvc/results", map.ToPodPath("/tmp/k/pvc/default/results"));
        Assert.Equal("/tmp/scratch", map.ToPodPath("/tmp/k/pods/p/volumes/tmp/scratch"));
        Assert.Equal("/tmp/k/pvc/default/resultsx", map.ToPodPath("/tmp/k/pvc/default/resultsx"));
        Assert.Equal("/mnt/pvc/results/a", map.ToPodPath(map.Map("/mnt/pvc/results/a")));
        Assert.Equal("/data/x", PathMappings.None.ToPodPath("/data/x"));
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
