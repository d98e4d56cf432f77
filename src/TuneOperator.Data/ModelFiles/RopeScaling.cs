namespace TuneOperator.Data.ModelFiles;

/// <summary>
/// The <c>rope_scaling</c> entry of a Llama-family config. Supported: <c>linear</c> (frequencies divided by the
/// factor) and <c>llama3</c> (Llama 3.1/3.2: long wavelengths divided by the factor, short ones kept, the band between
/// interpolated).
/// </summary>
/// <param name="Type">linear or llama3.</param>
/// <param name="Factor">The scaling factor.</param>
/// <param name="LowFreqFactor">llama3 only: <c>low_freq_factor</c>.</param>
/// <param name="HighFreqFactor">llama3 only: <c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositions">llama3 only: <c>original_max_position_embeddings</c>.</param>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, int OriginalMaxPositions = 8192)
{
    /// <summary>Applies the scaling to RoPE inverse frequencies.</summary>
    public float[] Apply(float[] inverseFrequencies)
    {
        if (Type == "linear")
        {
            return [.. inverseFrequencies.Select(frequency => (float)(frequency / Factor))];
        }

        var lowFrequencyWavelength = OriginalMaxPositions / LowFreqFactor;
        var highFrequencyWavelength = OriginalMaxPositions / HighFreqFactor;
        var result = new float[inverseFrequencies.Length];
        for (var i = 0; i < result.Length; i++)
        {
            double frequency = inverseFrequencies[i];
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFrequencyWavelength)
            {
                result[i] = (float)frequency;
            }
            else if (wavelength > lowFrequencyWavelength)
            {
                result[i] = (float)(frequency / Factor);
            }
            else
            {
                var smooth = ((OriginalMaxPositions / wavelength) - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
                result[i] = (float)(((1 - smooth) * frequency / Factor) + (smooth * frequency));
            }
        }

        return result;
    }
}
