namespace TuneOperator.Trainer.Export;

/// <summary>Writes a directory completely into a temporary sibling and renames it into place.</summary>
public static class AtomicDirectory
{
    /// <summary>
    /// Calls <paramref name="write"/> with an empty temporary directory next to <paramref name="directory"/>, then
    /// replaces <paramref name="directory"/> with it by renames, so readers see either the old or the new content.
    /// The temporary directory is removed if writing fails.
    /// </summary>
    /// <param name="directory">The directory to replace.</param>
    /// <param name="write">Writes the new content into the directory it is given.</param>
    /// <param name="keep">Names of subfolders of the existing <paramref name="directory"/> that are carried over into the
    /// new one unchanged (moved, not copied), such as the default checkpoint folder; content written under those names
    /// is replaced by the kept folder.</param>
    public static void Write(string directory, Action<string> write, IReadOnlyCollection<string>? keep = null)
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

        var moved = new List<string>();
        try
        {
            foreach (var kept in keep ?? [])
            {
                if (kept.Length == 0 || kept.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || kept is "." or "..")
                {
                    throw new ArgumentException($"'{kept}' is not a plain folder name; name subfolders of the directory to keep.", nameof(keep));
                }

                var source = Path.Combine(target, kept);
                if (!Directory.Exists(source))
                {
                    continue;
                }

                var destination = Path.Combine(temporary, kept);
                if (Directory.Exists(destination))
                {
                    Directory.Delete(destination, recursive: true);
                }
                else if (File.Exists(destination))
                {
                    File.Delete(destination);
                }

                Directory.Move(source, destination);
                moved.Add(kept);
            }

            var previous = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
            Directory.Move(target, previous);
            Directory.Move(temporary, target);
            Directory.Delete(previous, recursive: true);
        }
        catch when (Directory.Exists(temporary) && Directory.Exists(target))
        {
            // The swap did not happen: put the kept folders back where they were and drop the new content.
            foreach (var kept in moved)
            {
                Directory.Move(Path.Combine(temporary, kept), Path.Combine(target, kept));
            }

            Directory.Delete(temporary, recursive: true);
            throw;
        }
    }
}
