using TuneOperator.Trainer.Engine;
using TuneOperator.Trainer.Export;
using TuneOperator.Trainer.Tests.Models;
using Xunit;

namespace TuneOperator.Trainer.Tests.Export;

/// <summary>
/// An export replaces only its own files in the output, atomically, and every crash point of its swap — and of the
/// earlier whole-directory swap — is recovered to the old or the new export with every checkpoint and kept file in place.
/// </summary>
public sealed class ExportDirectoryTests : IDisposable
{
    private static readonly Dictionary<string, string> OldModel = new(StringComparer.Ordinal)
    {
        ["config.json"] = "old config", ["model.safetensors"] = "old weights", ["tokenizer.json"] = "old tokenizer",
    };

    private static readonly Dictionary<string, string> NewAdapter = new(StringComparer.Ordinal)
    {
        ["adapter_config.json"] = "new adapter config", ["adapter_model.safetensors"] = "new adapter weights", ["tokenizer.json"] = "new tokenizer",
    };

    // What the user and the trainer keep in the output: checkpoints at the default and at two other locations inside
    // it, and files of their own.
    private static readonly Dictionary<string, string> Kept = new(StringComparer.Ordinal)
    {
        ["checkpoints/checkpoint-00000004/manifest.json"] = "default location",
        ["ckpt/checkpoint-00000008/manifest.json"] = "ckpt location",
        ["ckpt/checkpoint-00000008/model.safetensors"] = "checkpoint weights",
        ["runs/a/checkpoint-00000002/trainer_state.json"] = "runs/a location",
        ["notes.txt"] = "mine",
        ["eval/config.json"] = "a nested file of an owned name is not the export's",
    };

    private readonly TempDirectory directory = new();

    private string Output => directory.Combine("output");

    public void Dispose() => directory.Dispose();

    [Fact]
    public void An_export_replaces_only_its_own_files_and_keeps_every_checkpoint_location_inside_the_output()
    {
        Put(Output, Kept);
        ExportDirectory.Write(Output, "merged", WriteFiles(OldModel));

        var manifest = ExportDirectory.Write(Output, "adapter", WriteFiles(NewAdapter));

        // The merged model's files are gone with the old export (a stale model.safetensors beside an adapter would load as a model).
        Assert.Equal(Expected(NewAdapter, Kept), Snapshot(Output));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
        Assert.Equal("adapter", manifest.Format);
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors", "tokenizer.json"], manifest.Files.Select(f => f.Path));
        Assert.All(manifest.Files, f => Assert.Matches("^sha256:[0-9a-f]{64}$", f.Sha256));
        Assert.Equal(manifest.Files, ExportDirectory.ReadManifest(Output)!.Files);
    }

    [Fact]
    public void The_output_digest_covers_the_exported_files_only()
    {
        ExportDirectory.Write(Output, "merged", WriteFiles(OldModel));
        var alone = ContentDigest.OfDirectory(Output, TestContext.Current.CancellationToken);

        Put(Output, Kept);
        Assert.Equal(alone, ContentDigest.OfDirectory(Output, TestContext.Current.CancellationToken));
        File.WriteAllText(Path.Combine(Output, "ckpt", "checkpoint-00000008", "model.safetensors"), "changed");
        Assert.Equal(alone, ContentDigest.OfDirectory(Output, TestContext.Current.CancellationToken));

        // The same files in a directory no export wrote (a downloaded model) have the same digest; a change shows.
        var copy = directory.Combine("copy");
        Put(copy, OldModel);
        Assert.Equal(alone, ContentDigest.OfDirectory(copy, TestContext.Current.CancellationToken));
        File.WriteAllText(Path.Combine(Output, "model.safetensors"), "tampered");
        Assert.NotEqual(alone, ContentDigest.OfDirectory(Output, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_failed_write_leaves_the_output_as_it_was()
    {
        Put(Output, Kept);
        ExportDirectory.Write(Output, "merged", WriteFiles(OldModel));
        var before = Snapshot(Output);

        Assert.Throws<IOException>(() => ExportDirectory.Write(Output, "adapter", staging =>
        {
            File.WriteAllText(Path.Combine(staging, "adapter_config.json"), "half");
            throw new IOException("disk full");
        }));
        var foreign = Assert.Throws<InvalidOperationException>(() => ExportDirectory.Write(Output, "merged", WriteFiles(new() { ["notes.txt"] = "not an export file" })));

        Assert.Contains("'notes.txt'", foreign.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(Output));
    }

    [Fact]
    public void A_crash_while_staging_leaves_the_old_export_and_discards_the_staged_files()
    {
        Put(Output, Kept);
        ExportDirectory.Write(Output, "merged", WriteFiles(OldModel));
        Put(Path.Combine(Output, ExportDirectory.StagingFolderName), new() { ["adapter_config.json"] = "new adapter config", ["adapter_model.safetensors"] = "new ad" });

        var recovery = ExportDirectory.Recover(Output);

        Assert.True(recovery.Recovered);
        Assert.Empty(recovery.LeftInPlace);
        Assert.Equal(Expected(OldModel, Kept), Snapshot(Output));
    }

    /// <summary>
    /// The swap moves the old export's files into <c>.export-previous</c> one by one, then the staged files into the
    /// output, the manifest last; a crash after any number of those moves ends in the new export.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void A_crash_at_any_move_of_the_swap_is_finished_with_the_new_export(int movesDone)
    {
        Put(Output, Kept);
        ExportDirectory.Write(Output, "merged", WriteFiles(OldModel));
        var staging = Path.Combine(Output, ExportDirectory.StagingFolderName);
        var previous = Path.Combine(Output, ExportDirectory.PreviousFolderName);
        StageComplete(staging, NewAdapter);

        // The swap's moves in its order: four old files out (sorted, as the file system may list them in any order),
        // then three new files and the manifest in.
        var moves = new List<(string From, string To)>();
        moves.AddRange(OldModel.Keys.Append(ExportManifest.FileName).Order(StringComparer.Ordinal)
            .Select(name => (Path.Combine(Output, name), Path.Combine(previous, name))));
        moves.AddRange(NewAdapter.Keys.Order(StringComparer.Ordinal).Append(ExportManifest.FileName)
            .Select(name => (Path.Combine(staging, name), Path.Combine(Output, name))));
        Assert.Equal(8, moves.Count);
        if (movesDone > 0)
        {
            Directory.CreateDirectory(previous);
        }

        foreach (var (from, to) in moves.Take(movesDone))
        {
            File.Move(from, to, overwrite: true);
        }

        var recovery = ExportDirectory.Recover(Output);

        Assert.True(recovery.Recovered);
        Assert.Equal(Expected(NewAdapter, Kept), Snapshot(Output));
        Assert.Equal("adapter", ExportDirectory.ReadManifest(Output)!.Format);
        Assert.False(ExportDirectory.Recover(Output).Recovered);
    }

    [Fact]
    public void A_crash_after_the_swap_before_the_clean_up_keeps_the_new_export()
    {
        Put(Output, Kept);
        ExportDirectory.Write(Output, "adapter", WriteFiles(NewAdapter));
        Put(Path.Combine(Output, ExportDirectory.PreviousFolderName), OldModel);
        Directory.CreateDirectory(Path.Combine(Output, ExportDirectory.StagingFolderName));

        ExportDirectory.Recover(Output);

        Assert.Equal(Expected(NewAdapter, Kept), Snapshot(Output));
    }

    [Fact]
    public void A_new_export_over_an_interrupted_one_recovers_it_first()
    {
        Put(Output, Kept);
        ExportDirectory.Write(Output, "merged", WriteFiles(OldModel));
        Put(Path.Combine(Output, ExportDirectory.StagingFolderName), new() { ["config.json"] = "partial" });

        ExportDirectory.Write(Output, "adapter", WriteFiles(NewAdapter));

        Assert.Equal(Expected(NewAdapter, Kept), Snapshot(Output));
    }

    // The earlier version's swap: write ".output.tmp-<id>", move "checkpoints" into it, rename the output to
    // ".output.old-<id>", rename the new folder into place, delete the old one. A crash leaves these states.

    [Fact]
    public void Earlier_version_crash_while_writing_drops_the_partial_export()
    {
        Put(Output, Expected(OldModel, Kept));
        var temporary = Sibling("tmp");
        Put(temporary, new() { ["config.json"] = "new config" });

        var recovery = ExportDirectory.Recover(Output);

        Assert.Equal(Expected(OldModel, Kept), Snapshot(Output));
        Assert.False(Directory.Exists(temporary));
        Assert.Empty(recovery.LeftInPlace);
    }

    [Fact]
    public void Earlier_version_crash_after_carrying_the_checkpoints_over_puts_them_back_beside_the_old_export()
    {
        var defaultCheckpoints = Kept.Where(pair => pair.Key.StartsWith("checkpoints/", StringComparison.Ordinal)).ToDictionary();
        Put(Output, Expected(OldModel, Kept.Except(defaultCheckpoints).ToDictionary()));
        Put(Sibling("tmp"), Expected(NewAdapter, defaultCheckpoints));

        ExportDirectory.Recover(Output);

        Assert.Equal(Expected(OldModel, Kept), Snapshot(Output));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Earlier_version_crash_between_the_renames_rolls_back_with_every_checkpoint()
    {
        // The output is gone: renamed to .old with its other checkpoint locations and files; the default checkpoints
        // are in .tmp with the new export.
        var defaultCheckpoints = Kept.Where(pair => pair.Key.StartsWith("checkpoints/", StringComparison.Ordinal)).ToDictionary();
        Put(Sibling("old"), Expected(OldModel, Kept.Except(defaultCheckpoints).ToDictionary()));
        Put(Sibling("tmp"), Expected(NewAdapter, defaultCheckpoints));

        ExportDirectory.Recover(Output);

        Assert.Equal(Expected(OldModel, Kept), Snapshot(Output));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Earlier_version_crash_between_the_renames_rolls_back_even_when_the_output_was_created_again_empty()
    {
        // Something (a checkpoint store opening its default location) created the output again before recovery ran.
        var defaultCheckpoints = Kept.Where(pair => pair.Key.StartsWith("checkpoints/", StringComparison.Ordinal)).ToDictionary();
        Put(Sibling("old"), Expected(OldModel, Kept.Except(defaultCheckpoints).ToDictionary()));
        Put(Sibling("tmp"), Expected(NewAdapter, defaultCheckpoints));
        Directory.CreateDirectory(Path.Combine(Output, "checkpoints"));

        ExportDirectory.Recover(Output);

        Assert.Equal(Expected(OldModel, Kept), Snapshot(Output));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void An_export_over_an_earlier_version_crash_recovers_it_first_and_keeps_every_checkpoint()
    {
        var defaultCheckpoints = Kept.Where(pair => pair.Key.StartsWith("checkpoints/", StringComparison.Ordinal)).ToDictionary();
        Put(Sibling("old"), Expected(OldModel, Kept.Except(defaultCheckpoints).ToDictionary()));
        Put(Sibling("tmp"), Expected(NewAdapter, defaultCheckpoints));

        ExportDirectory.Write(Output, "adapter", WriteFiles(NewAdapter));

        Assert.Equal(Expected(NewAdapter, Kept), Snapshot(Output));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Earlier_version_crash_before_deleting_the_old_output_gives_back_what_it_held()
    {
        var defaultCheckpoints = Kept.Where(pair => pair.Key.StartsWith("checkpoints/", StringComparison.Ordinal)).ToDictionary();
        Put(Output, Expected(NewAdapter, defaultCheckpoints));
        Put(Sibling("old"), Expected(OldModel, Kept.Except(defaultCheckpoints).ToDictionary()));

        ExportDirectory.Recover(Output);

        Assert.Equal(Expected(NewAdapter, Kept), Snapshot(Output));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Earlier_version_leftover_whose_files_collide_is_kept_not_deleted()
    {
        Put(Output, Expected(NewAdapter, new() { ["notes.txt"] = "written after the crash", ["ckpt/checkpoint-00000008/manifest.json"] = "ckpt location" }));
        var old = Sibling("old");
        Put(old, Expected(OldModel, new() { ["notes.txt"] = "mine", ["ckpt/checkpoint-00000004/manifest.json"] = "older checkpoint" }));

        var recovery = ExportDirectory.Recover(Output);

        Assert.Equal([old], recovery.LeftInPlace);
        Assert.Equal(new Dictionary<string, string> { ["notes.txt"] = "mine" }, Snapshot(old));
        Assert.Equal("older checkpoint", File.ReadAllText(Path.Combine(Output, "ckpt", "checkpoint-00000004", "manifest.json")));
        Assert.Equal("written after the crash", File.ReadAllText(Path.Combine(Output, "notes.txt")));
    }

    private string Sibling(string kind) => directory.Combine($".output.{kind}-{Guid.NewGuid():N}");

    // A staged export as Write leaves it just before the swap: the files and the manifest.
    private void StageComplete(string staging, Dictionary<string, string> files)
    {
        var scratch = directory.Combine("scratch-" + Guid.NewGuid().ToString("N"));
        ExportDirectory.Write(scratch, "adapter", WriteFiles(files));
        Directory.Move(scratch, staging);
    }

    private static Action<string> WriteFiles(Dictionary<string, string> files) => folder => Put(folder, files);

    private static void Put(string root, Dictionary<string, string> files)
    {
        foreach (var (relative, text) in files)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
    }

    // Every file under root (hidden folders included, the export manifest left out), by relative path, with its text.
    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(relative => relative != ExportManifest.FileName)
            .ToDictionary(relative => relative, relative => File.ReadAllText(Path.Combine(root, relative)), StringComparer.Ordinal);

    private static Dictionary<string, string> Expected(params Dictionary<string, string>[] parts) =>
        parts.SelectMany(part => part).ToDictionary(StringComparer.Ordinal);
}
