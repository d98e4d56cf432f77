using System.Security.Cryptography;
using System.Text.Json;
using TuneOperator.Trainer.Checkpoints;
using Xunit;

namespace TuneOperator.Trainer.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "store-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_saved_checkpoint_has_a_manifest_with_every_file_size_and_digest()
    {
        var store = new CheckpointStore(root);

        var info = store.Save(7, Write("weights", "state"), "evalLoss", 0.25);

        Assert.Equal(store.PathOf(7), info.Path);
        Assert.Equal("checkpoint-00000007", Path.GetFileName(info.Path));
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(info.Path, "manifest.json")));
        Assert.Equal(7, manifest.RootElement.GetProperty("step").GetInt32());
        Assert.Equal(0.25, manifest.RootElement.GetProperty("metricValue").GetDouble());
        var files = manifest.RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["a.bin", "sub/b.bin"], files.Select(f => f.GetProperty("path").GetString()));
        var digest = Convert.ToHexStringLower(SHA256.HashData("weights"u8));
        Assert.Equal(digest, files[0].GetProperty("sha256").GetString());
        Assert.Equal(7, files[0].GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(info.Path, "manifest.json")))), info.Sha256);
        Assert.Empty(Directory.EnumerateDirectories(root, ".tmp-*"));
    }

    [Fact]
    public void Half_written_directories_are_never_taken_for_checkpoints()
    {
        var store = new CheckpointStore(root);
        store.Save(3, Write("x", "y"));

        // A crash while writing: a temporary directory, and a renamed directory without a manifest.
        var temporary = Path.Combine(root, ".tmp-checkpoint-00000009-abc");
        Directory.CreateDirectory(temporary);
        File.WriteAllText(Path.Combine(temporary, "a.bin"), "partial");
        Directory.CreateDirectory(store.PathOf(8));
        File.WriteAllText(Path.Combine(store.PathOf(8), "a.bin"), "no manifest");

        Assert.Equal([3], store.List().Select(c => c.Step));
        Assert.Equal(3, store.FindLatest()!.Step);
        Assert.False(store.Verify(store.PathOf(8)).IsValid);
        Assert.Contains("never completed", store.Verify(store.PathOf(8)).Problem, StringComparison.Ordinal);
        Assert.Equal(1, store.DeleteIncomplete());
        Assert.False(Directory.Exists(temporary));
    }

    [Fact]
    public void A_corrupted_file_is_detected_and_the_previous_checkpoint_is_used()
    {
        var store = new CheckpointStore(root);
        store.Save(1, Write("one", "1"));
        var newest = store.Save(2, Write("two", "2"));

        // Same size, different bytes: only the digest notices.
        File.WriteAllText(Path.Combine(newest.Path, "a.bin"), "twx");

        var verification = store.Verify(newest.Path);
        Assert.False(verification.IsValid);
        Assert.Contains("a.bin has SHA-256", verification.Problem, StringComparison.Ordinal);
        Assert.Equal(1, store.FindLatest()!.Step);
    }

    [Fact]
    public void A_truncated_file_is_not_listed()
    {
        var store = new CheckpointStore(root);
        var info = store.Save(4, Write("weights", "s"));
        File.WriteAllText(Path.Combine(info.Path, "sub", "b.bin"), string.Empty);

        Assert.Empty(store.List());
        Assert.Null(store.FindLatest());
    }

    [Fact]
    public void Keep_last_prunes_old_checkpoints_but_never_the_best()
    {
        var store = new CheckpointStore(root);
        foreach (var step in new[] { 10, 20, 30, 40, 50 })
        {
            store.Save(step, Write("w", "s"));
        }

        var deleted = store.Prune(keepLast: 2, protectedStep: 20);

        Assert.Equal([10, 30], deleted);
        Assert.Equal([20, 40, 50], store.List().Select(c => c.Step));
    }

    [Fact]
    public void Saving_a_step_again_replaces_it_whole()
    {
        var time = new ManualClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var store = new CheckpointStore(root, time);
        store.Save(5, Write("old", "old"));
        time.Now += TimeSpan.FromMinutes(1);

        var info = store.Save(5, Write("new!", "new"));

        Assert.Equal("new!", File.ReadAllText(Path.Combine(info.Path, "a.bin")));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 5, 5, TimeSpan.Zero), info.CreatedAt);
        Assert.Single(store.List());
        Assert.True(store.Verify(info.Path).IsValid);
    }

    [Fact]
    public void A_failed_write_leaves_nothing_behind()
    {
        var store = new CheckpointStore(root);

        Assert.Throws<IOException>(() => store.Save(6, _ => throw new IOException("disk full")));

        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    private static Action<string> Write(string a, string b) => directory =>
    {
        File.WriteAllText(Path.Combine(directory, "a.bin"), a);
        Directory.CreateDirectory(Path.Combine(directory, "sub"));
        File.WriteAllText(Path.Combine(directory, "sub", "b.bin"), b);
    };

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
