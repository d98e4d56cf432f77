namespace TuneOperator.Testing.Kubelet;

/// <summary>
/// Maps container images to local programs for a <see cref="LocalKubelet"/>: an image matches a registered name when
/// it equals it or continues it with a tag (<c>:</c>), a digest (<c>@</c>) or a path (<c>/</c>); the longest match wins;
/// <c>*</c> matches every image. An image that matches nothing leaves its container waiting with reason ErrImagePull.
/// </summary>
public sealed class ImageRegistry
{
    /// <summary>The name that matches every image.</summary>
    public const string AnyImage = "*";

    private readonly Dictionary<string, ImageProgram> _programs = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Registers (or replaces) the program of the images named <paramref name="imagePrefix"/>.</summary>
    /// <param name="imagePrefix">An image reference without tag, e.g. <c>ghcr.io/tuneoperator/trainer</c>, or <see cref="AnyImage"/>.</param>
    /// <param name="program">What those images run.</param>
    /// <returns>This registry, for chaining.</returns>
    public ImageRegistry Map(string imagePrefix, ImageProgram program)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePrefix);
        ArgumentNullException.ThrowIfNull(program);
        lock (_lock)
        {
            _programs[imagePrefix] = program;
        }

        return this;
    }

    /// <summary>The program of <paramref name="image"/>, or null when no registered name matches it.</summary>
    /// <param name="image">The container's image reference.</param>
    public ImageProgram? Resolve(string? image)
    {
        lock (_lock)
        {
            if (!string.IsNullOrEmpty(image))
            {
                var best = _programs
                    .Where(pair => pair.Key != AnyImage && Matches(image, pair.Key))
                    .OrderByDescending(pair => pair.Key.Length)
                    .Select(pair => pair.Value)
                    .FirstOrDefault();
                if (best is not null)
                {
                    return best;
                }
            }

            return _programs.GetValueOrDefault(AnyImage);
        }
    }

    private static bool Matches(string image, string prefix) =>
        image == prefix
        || (image.Length > prefix.Length && image.StartsWith(prefix, StringComparison.Ordinal) && image[prefix.Length] is ':' or '@' or '/');
}
