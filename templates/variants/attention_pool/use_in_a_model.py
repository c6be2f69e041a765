tokens = keras.Input(shape=(None,), dtype="int32")
# The mask: tokens != 0.
x = keras.layers.Embedding(1000, 16, mask_zero=True)(tokens)
# Keeps the mask, so the pooling sees it too.
x = keras.layers.Dense(32, activation="relu")(x)
# Softmax-weighted sum of the real steps: the mask ends here.
x = {{ cookiecutter.layer_class_name }}(units=16)(x)
model = keras.Model(tokens, keras.layers.Dense(2)(x))
model.predict(np.array([[7, 3, 9, 0, 0], [4, 0, 0, 0, 0]]))
