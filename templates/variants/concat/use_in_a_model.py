tokens_a = keras.Input(shape=(None,), dtype="int32")
tokens_b = keras.Input(shape=(None,), dtype="int32")
# One mask per sequence: tokens != 0.
embedding = keras.layers.Embedding(1000, 16, mask_zero=True)
embedded = [embedding(tokens_a), embedding(tokens_b)]
# Joins the sequences along time, and their masks.
x = {{ cookiecutter.layer_class_name }}(axis=1)(embedded)
# Reads the real steps of a, then those of b.
x = keras.layers.GRU(16)(x)
model = keras.Model([tokens_a, tokens_b], keras.layers.Dense(2)(x))
model.predict([np.array([[7, 3, 9, 0]]), np.array([[4, 0, 0, 0]])])
