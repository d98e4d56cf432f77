using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TuneOperator.Trainer.Checkpoints;
using Xunit;

namespace TuneOperator.Trainer.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "store-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        foreach (var directory in new[] { root, root + "-other" }.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
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
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData("weights"u8));
        Assert.Equal(digest, files[0].GetProperty("sha256").GetString());
        Assert.Equal(7, files[0].GetProperty("size").GetInt64());
        Assert.Equal(2, manifest.RootElement.GetProperty("formatVersion").GetInt32());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(info.Path, "manifest.json")))), info.Sha256);
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
        Assert.Contains("a.bin has sha256:", verification.Problem, StringComparison.Ordinal);
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

    [Fact]
    public void A_checkpoint_of_the_previous_version_with_plain_hex_digests_still_verifies_and_resumes()
    {
        var store = new CheckpointStore(root);
        var saved = store.Save(12, Write("weights", "state"), "evalLoss", 0.5);
        var manifestPath = Path.Combine(saved.Path, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["formatVersion"] = 1;
        foreach (var file in manifest["files"]!.AsArray())
        {
            file!["sha256"] = file["sha256"]!.GetValue<string>()["sha256:".Length..];
        }

        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var latest = store.FindLatest();
        Assert.NotNull(latest);
        Assert.Equal(12, latest.Step);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifestPath))), latest.Sha256);
        Assert.Matches("^[0-9a-f]{64}$", manifest["files"]![0]!["sha256"]!.GetValue<string>());

        // The old format still catches corruption.
        File.WriteAllText(Path.Combine(saved.Path, "a.bin"), "weightz");
        Assert.Contains("the file is corrupted", store.Verify(saved.Path).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_digest_that_is_not_sha256_is_rejected_with_the_file_named()
    {
        var store = new CheckpointStore(root);
        var saved = store.Save(2, Write("w", "s"));
        var manifestPath = Path.Combine(saved.Path, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["files"]![0]!["sha256"] = "md5:abc";
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var verification = store.Verify(saved.Path);

        Assert.False(verification.IsValid);
        Assert.Contains("'md5:abc' as the digest of a.bin", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crash_after_the_old_checkpoint_was_retired_finishes_the_save_with_the_new_one()
    {
        var store = new CheckpointStore(root);
        var old = store.Save(5, Write("old", "old"));
        var replacement = StageElsewhere(5, Write("new", "new"));
        // Save replaces a step as: retire the old directory, rename the temporary one into place. Crash in between.
        Directory.Move(old.Path, Path.Combine(root, ".tmp-retired-00000005-1"));
        Directory.Move(replacement, Path.Combine(root, ".tmp-checkpoint-00000005-2"));

        Assert.Equal([5], store.CompleteInterruptedSaves());

        Assert.Equal("new", File.ReadAllText(Path.Combine(store.PathOf(5), "a.bin")));
        Assert.True(store.Verify(store.PathOf(5)).IsValid);
        Assert.Equal(["checkpoint-00000005"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_crash_after_retiring_while_the_new_one_was_incomplete_puts_the_old_checkpoint_back()
    {
        var store = new CheckpointStore(root);
        var old = store.Save(5, Write("old", "old"));
        Directory.Move(old.Path, Path.Combine(root, ".tmp-retired-00000005-1"));
        var partial = Path.Combine(root, ".tmp-checkpoint-00000005-2");
        Directory.CreateDirectory(partial);
        File.WriteAllText(Path.Combine(partial, "a.bin"), "ne");

        Assert.Equal(1, store.DeleteIncomplete());

        Assert.Equal("old", File.ReadAllText(Path.Combine(store.PathOf(5), "a.bin")));
        Assert.Equal(5, store.FindLatest()!.Step);
        Assert.Equal(["checkpoint-00000005"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_complete_checkpoint_that_was_never_renamed_into_place_is_kept()
    {
        var store = new CheckpointStore(root);
        store.Save(3, Write("three", "3"));
        Directory.Move(StageElsewhere(6, Write("six", "6")), Path.Combine(root, ".tmp-checkpoint-00000006-9"));
        // A retired copy whose replacement did arrive is what the save meant to delete.
        Directory.Move(StageElsewhere(3, Write("old three", "3")), Path.Combine(root, ".tmp-retired-00000003-8"));

        Assert.Equal(0, store.DeleteIncomplete());

        Assert.Equal([3, 6], store.List().Select(c => c.Step));
        Assert.Equal("three", File.ReadAllText(Path.Combine(store.PathOf(3), "a.bin")));
        Assert.Equal(6, store.FindLatest()!.Step);
        Assert.Empty(Directory.EnumerateDirectories(root, ".tmp-*"));
    }

    // A complete checkpoint of the step, written by another store and moved out, as a crash before its rename leaves it.
    private string StageElsewhere(int step, Action<string> write)
    {
        var other = new CheckpointStore(Path.Combine(root + "-other", Guid.NewGuid().ToString("N")));
        var saved = other.Save(step, write);
        var staged = Path.Combine(root + "-other", "staged-" + Guid.NewGuid().ToString("N"));
        Directory.Move(saved.Path, staged);
        return staged;
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
