namespace TuneOperator.Trainer.Export;

/// <summary>Writes a directory completely into a temporary sibling and renames it into place.</summary>
public static class AtomicDirectory
{
    /// <summary>
    /// Calls <paramref name="write"/> with an empty temporary directory next to <paramref name="directory"/>, then
    /// replaces <paramref name="directory"/> with it by renames, so readers see either the old or the new content.
    /// The temporary directory is removed if writing fails.
    /// </summary>
    public static void Write(string directory, Action<string> write)
    {
        var target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{directory}' has no parent directory.", nameof(directory));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target);
        var temporary = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            write(temporary);
        }
        catch
        {
            Directory.Delete(temporary, recursive: true);
            throw;
        }

        if (!Directory.Exists(target))
        {
            Directory.Move(temporary, target);
            return;
        }

        var previous = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        Directory.Move(target, previous);
        Directory.Move(temporary, target);
        Directory.Delete(previous, recursive: true);
    }
}
