tokens = keras.Input(shape=(None,), dtype="int32")
# The mask: tokens != 0.
x = keras.layers.Embedding(1000, 16, mask_zero=True)(tokens)
# Keeps the mask; padding never enters a window.
x = {{ cookiecutter.layer_class_name }}(32, activation="relu")(x)
# Halves the time axis and the mask: step j is real where token 2j is.
x = {{ cookiecutter.layer_class_name }}(32, strides=2, padding="causal")(x)
# Reads the real steps only.
x = keras.layers.GRU(16)(x)
model = keras.Model(tokens, keras.layers.Dense(2)(x))
model.predict(np.array([[7, 3, 9, 0, 0], [4, 0, 0, 0, 0]]))
