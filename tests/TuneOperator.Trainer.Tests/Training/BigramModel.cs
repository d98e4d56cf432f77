using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>The smallest language model: each position's logits depend on its own token only.</summary>
internal sealed class BigramModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Linear head;

    public BigramModel(int vocabulary, int width)
        : base(nameof(BigramModel))
    {
        embed = nn.Embedding(vocabulary, width);
        head = nn.Linear(width, vocabulary);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.call(embed.call(input));
}
