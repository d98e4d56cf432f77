using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>A tiny classifier: mean-pooled embeddings, a hidden layer with dropout, class logits.</summary>
internal sealed class TinyClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Linear hidden;
    private readonly Dropout dropout;
    private readonly Linear output;

    public TinyClassifier(int vocabulary, int width, int classes, double dropoutRate = 0.0)
        : base(nameof(TinyClassifier))
    {
        embed = nn.Embedding(vocabulary, width);
        hidden = nn.Linear(width, width);
        dropout = nn.Dropout(dropoutRate);
        output = nn.Linear(width, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var pooled = embed.call(input).mean([1]);
        return output.call(dropout.call(nn.functional.relu(hidden.call(pooled))));
    }
}
